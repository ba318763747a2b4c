//! What an imported Python dependency does, read from the module that defines it.
//!
//! `def update(doc_id: int, caller: Caller)` authenticates only if `Caller` — imported from `app/api/deps.py` —
//! is `Annotated[Member, Depends(resolve_caller)]` and `resolve_caller` rejects anonymous callers. The facts
//! come from what the definition does (it raises 401/403, depends on something that authenticates, checks an
//! owner or a privilege), not only from its name, and each fact carries the location that proves it so the
//! finding can show evidence from every file involved.

use secreview_syntax::{ParsedFile, named_children};
use tree_sitter::Node;

use super::model::{Ev, Names, Owner, Route};
use super::python::{
    PyFile, dependency_aliases, depends_names, is_dotted_name, is_id_name, params_of,
};
use crate::project::Project;

/// Definitions followed from the use site: alias → dependency → its own dependency → a re-export. Beyond this
/// the chain is a guess, and an unknown dependency stays unknown (never "authenticates").
const MAX_HOPS: usize = 5;

/// What an imported dependency establishes. Each fact is evidence at its definition: `(path, line, col, note)`.
#[derive(Debug, Default, Clone)]
pub(crate) struct DependencyFacts {
    pub auth: Option<Fact>,
    pub privilege: Option<Fact>,
    pub ownership: Option<Fact>,
}

#[derive(Debug, Clone)]
pub(crate) struct Fact {
    pub path: String,
    pub line: u32,
    pub col: u32,
    pub note: String,
}

impl Fact {
    /// Evidence at the use site in the scanned file, pointing at the definition that proves it.
    pub fn at_use(&self, line: u32, col: u32, what: &str) -> Ev {
        let mut e = Ev::new(line, col, format!("{what}: {}", self.note));
        e.origin = Some((self.path.clone(), self.line, self.col));
        e
    }
}

impl DependencyFacts {
    fn is_empty(&self) -> bool {
        self.auth.is_none() && self.privilege.is_none() && self.ownership.is_none()
    }

    /// Adds the authentication and privilege facts to a route, as evidence at the use site `(line, col)` in the
    /// scanned file pointing at where each fact is proven.
    pub(crate) fn guard(&self, route: &mut Route, (line, col): (u32, u32), what: &str) {
        if let Some(f) = &self.auth {
            route.auth.push(f.at_use(line, col, what));
        }
        if let Some(f) = &self.privilege {
            route.privilege.push(f.at_use(line, col, what));
        }
    }

    /// Keeps the first fact of each kind (the one closest to the use site).
    pub(crate) fn absorb(&mut self, other: DependencyFacts) {
        self.auth = self.auth.take().or(other.auth);
        self.privilege = self.privilege.take().or(other.privilege);
        self.ownership = self.ownership.take().or(other.ownership);
    }
}

/// The facts about `dep` (`Caller`, `deps.get_user`, `RequireScope("admin")`) as imported by `importer`, or
/// `None` when it is not a project import or its definition establishes nothing.
pub(crate) fn dependency(
    project: &Project,
    importer: &str,
    dep: &str,
    names: &Names,
) -> Option<DependencyFacts> {
    let (path, symbol) = project.resolve_name(importer, callee_name(dep))?;
    symbol_facts(project, &path, &symbol, names, 0).filter(|f| !f.is_empty())
}

/// The facts about `name` wherever the module at `path` gets it: its own definition, or an import.
pub(crate) fn definition(
    project: &Project,
    path: &str,
    name: &str,
    names: &Names,
) -> Option<DependencyFacts> {
    let name = callee_name(name);
    let facts = if name.contains('.') {
        let (module, symbol) = project.resolve_name(path, name)?;
        symbol_facts(project, &module, &symbol, names, 0)
    } else {
        symbol_facts(project, path, name, names, 0)
    };
    facts.filter(|f| !f.is_empty())
}

/// The facts about the dependency `dep` as named inside the module at `path` (parsed as `p`): its definition
/// there or where that module imports it from, then the name tables.
pub(crate) fn dependency_in(
    project: &Project,
    path: &str,
    p: &ParsedFile,
    dep: &str,
    names: &Names,
) -> Option<DependencyFacts> {
    reference_facts(project, path, p, (dep, p.tree.root_node()), names, 0)
}

/// The names the module at `path` binds to `FastAPI` dependency aliases (`SessionDep = Annotated[Session,
/// Depends(get_db)]`), defined there or imported from another module of the project: a parameter annotated with
/// one is injected by the framework, not read from the client.
pub(crate) fn injected_aliases(project: &Project, path: &str, p: &ParsedFile) -> Vec<String> {
    if p.lang != secreview_syntax::Lang::Python || !p.text.contains("fastapi") {
        return Vec::new();
    }
    let mut out: Vec<String> = dependency_aliases(p).into_keys().collect();
    for imp in project.imports(path) {
        if imp.name.is_none() {
            continue;
        }
        if let Some((module, symbol)) = project.resolve_name(path, &imp.local)
            && let Some(mp) = project.parsed(&module)
            && dependency_aliases(mp).contains_key(&symbol)
        {
            out.push(imp.local.clone());
        }
    }
    out
}

/// `RequireScope("x")` → `RequireScope`; `deps.get_user` stays dotted.
fn callee_name(dep: &str) -> &str {
    dep.split('(').next().unwrap_or(dep).trim()
}

/// The facts of `symbol` defined in (or re-exported by) the module at `path`.
fn symbol_facts(
    project: &Project,
    path: &str,
    symbol: &str,
    names: &Names,
    hops: usize,
) -> Option<DependencyFacts> {
    if hops > MAX_HOPS {
        return None;
    }
    let p = project.parsed(path)?;
    if let Some(target) = dependency_aliases(p).get(symbol) {
        let inner = depends_names(target).next()?;
        let at = alias_node(p, symbol).unwrap_or_else(|| p.tree.root_node());
        return reference_facts(project, path, p, (inner, at), names, hops + 1);
    }
    if let Some(def) = top_level(p, symbol) {
        return match def.kind() {
            "function_definition" => Some(function_facts(project, path, p, def, names, hops)),
            "class_definition" => {
                // A class used as a dependency runs its `__call__` (`Depends(RequireScope("x"))`).
                let call = class_method(p, def, "__call__")?;
                Some(function_facts(project, path, p, call, names, hops))
            }
            _ => None,
        };
    }
    // `_CustomerWrite = Authenticator(required_scopes=…)`: a dependency instance built by a project factory or
    // class; what the factory establishes is what the instance does.
    if let Some(a) = alias_node(p, symbol)
        && let Some(r) = a.child_by_field_name("right")
        && r.kind() == "call"
        && let Some(f) = r.child_by_field_name("function")
    {
        let factory = p.text(f);
        if is_dotted_name(factory) {
            return reference_facts(project, path, p, (factory, a), names, hops + 1);
        }
    }
    // `from app.core.security import get_user` in a package `__init__` or a deps module: a re-export.
    let (next, sym) = project.resolve_name(path, symbol)?;
    symbol_facts(project, &next, &sym, names, hops + 1)
}

/// A dependency named at `at` inside the module at `path`: its definition first (here, or where this module
/// imports it from), then the name tables for what the project does not define.
fn reference_facts(
    project: &Project,
    path: &str,
    p: &ParsedFile,
    (name, at): (&str, Node<'_>),
    names: &Names,
    hops: usize,
) -> Option<DependencyFacts> {
    let name = callee_name(name);
    let mut facts = if name.contains('.') {
        project
            .resolve_name(path, name)
            .and_then(|(next, sym)| symbol_facts(project, &next, &sym, names, hops + 1))
    } else {
        symbol_facts(project, path, name, names, hops)
    }
    .unwrap_or_default();
    let fact = |note: String| fact_at(path, p, at, note);
    if facts.privilege.is_none() && names.is_privilege(name) {
        facts.privilege = Some(fact(format!("`{name}` requires a privileged user")));
    }
    if facts.auth.is_none() && (names.is_auth(name) || names.is_privilege(name)) {
        facts.auth = Some(fact(format!("depends on `{name}`")));
    }
    (!facts.is_empty()).then_some(facts)
}

/// What a dependency function establishes: by its name, by its own dependencies, by rejecting callers, by the
/// checks in its body.
fn function_facts(
    project: &Project,
    path: &str,
    p: &ParsedFile,
    def: Node<'_>,
    names: &Names,
    hops: usize,
) -> DependencyFacts {
    let name_node = def.child_by_field_name("name").unwrap_or(def);
    let fname = p.text(name_node);
    let fact = |note: String| fact_at(path, p, name_node, note);
    let mut facts = DependencyFacts::default();
    // What the body does is the strongest evidence, so it comes first: a 401 it raises beats its name.
    let body = def.child_by_field_name("body").map_or("", |b| p.text(b));
    let rejects = Rejection::in_body(body);
    if rejects.unauthenticated {
        facts.auth = Some(fact(format!("`{fname}` rejects anonymous callers")));
    }
    if names.is_privilege(fname) {
        facts.privilege = Some(fact(format!("`{fname}` requires a privileged user")));
    }
    if facts.auth.is_none() && names.is_auth(fname) {
        facts.auth = Some(fact(format!("`{fname}` authenticates")));
    }
    // Its own dependencies: `Depends(x)` defaults and `Annotated` aliases used as annotations (`caller: Caller`).
    let params = def.child_by_field_name("parameters").unwrap_or(def);
    let all_params = params_of(p, def);
    // Only a dependency that takes the record's key can check that the caller owns the record; in an
    // authenticator (`get_current_user(token, db)`) `user is None` tests the login, not an owner.
    let takes_key = all_params.iter().any(|(name, _, _)| is_id_name(name));
    for (_, annotation, default) in all_params {
        let inner: Vec<&str> = match (&default, &annotation) {
            (Some(d), _) if d.starts_with("Depends(") || d.starts_with("Security(") => {
                depends_names(d).collect()
            }
            (_, Some(a)) if is_dotted_name(a) => vec![a.as_str()],
            _ => continue,
        };
        for name in inner {
            if let Some(f) = reference_facts(project, path, p, (name, params), names, hops + 1) {
                facts.absorb(f);
            }
        }
    }
    if let Some(check) =
        PyFile::find_check(p, names, def).filter(|c| takes_key || c.note.starts_with("privilege"))
    {
        let f = Fact {
            path: path.to_owned(),
            line: check.line,
            col: check.col,
            note: format!("`{fname}`: {}", check.note),
        };
        if check.note.starts_with("privilege") {
            // A role check on the caller needs a caller: it authenticates too, as a privileged name does.
            facts.auth = facts.auth.or_else(|| Some(f.clone()));
            facts.privilege = facts.privilege.or(Some(f));
        } else {
            facts.ownership = facts.ownership.or(Some(f));
        }
    } else if rejects.forbidden && facts.auth.is_some() {
        // An authenticated dependency that answers 403 on its own condition (a scope, a role, a plan) decides
        // who may act: a function-level permission check.
        facts.privilege = Some(fact(format!(
            "`{fname}` rejects callers without permission (403)"
        )));
    }
    facts
}

/// The HTTP rejections a function body raises.
#[derive(Debug, Default, PartialEq, Eq)]
struct Rejection {
    unauthenticated: bool,
    forbidden: bool,
}

impl Rejection {
    /// Textual on purpose: `raise HTTPException(status_code=401)`, `status.HTTP_403_FORBIDDEN`, `abort(401)`,
    /// `raise PermissionDenied`, `raise NotAuthenticated(...)`, `return redirect(url_for("auth.login"))`,
    /// `return login_manager.unauthorized()` all read the same way across frameworks.
    fn in_body(body: &str) -> Rejection {
        let raises = body.contains("raise ")
            || body.contains("abort(")
            || body.contains("return redirect(")
            || body.contains(".unauthorized(")
            || body.contains("return ");
        if !raises {
            return Rejection::default();
        }
        let has = |needles: &[&str]| needles.iter().any(|n| body.contains(n));
        Rejection {
            // `if not current_user.is_authenticated: return redirect(url_for("accounts.sign_in"))`
            unauthenticated: has(&["is_authenticated", "is_anonymous"])
                || (body.contains("redirect(") && has(&["login", "signin", "sign_in", "auth"]))
                || has(&[
                    "HTTP_401",
                    "unauthorized(",
                    "status_code=401",
                    "status_code = 401",
                    "(401",
                    "Unauthorized",
                    "NotAuthenticated",
                    "AuthenticationFailed",
                    "InvalidToken",
                    // `return error("missing api key", 401)`, `return JsonResponse(…, status=401)`
                    ", 401)",
                    "status=401",
                    "HTTPStatus.UNAUTHORIZED",
                ]),
            forbidden: has(&[
                "HTTP_403",
                "status_code=403",
                "status_code = 403",
                "(403",
                "Forbidden",
                "PermissionDenied",
                ", 403)",
                "status=403",
            ]),
        }
    }
}

fn fact_at(path: &str, p: &ParsedFile, n: Node<'_>, note: String) -> Fact {
    let (line, col) = p.line_col(n.start_byte());
    Fact {
        path: path.to_owned(),
        line,
        col,
        note,
    }
}

/// Base classes that declare a model and add no fields of their own: their subclasses' fields are the whole
/// picture. A project base class (`TimestampedModel`) may add an owner out of sight, so it leaves the answer open.
const MODEL_BASES: &[&str] = &[
    "Base",
    "DeclarativeBase",
    "Model",
    "models.Model",
    "db.Model",
    "SQLModel",
    "BaseModel",
    "object",
];

/// Words in a foreign key or relationship target that name a principal (`ForeignKey("users.id")`,
/// `relationship("Member")`, `models.ForeignKey(settings.AUTH_USER_MODEL)`).
const PRINCIPAL_TARGETS: &[&str] = &[
    "user",
    "member",
    "account",
    "owner",
    "customer",
    "tenant",
    "organization",
    "org",
    "author",
    "profile",
    "auth_user_model",
    "team",
    "workspace",
];

/// Whether the model class `name` (in the file at `path`, or imported by it) relates to a principal.
pub(crate) fn model_owner(
    project: &Project,
    path: &str,
    p: &ParsedFile,
    name: &str,
    names: &Names,
) -> Option<Owner> {
    if let Some(class) = top_level(p, name).filter(|d| d.kind() == "class_definition") {
        return class_owner(path, p, class, names);
    }
    let (mut module, mut symbol) = project.resolve_name(path, name)?;
    for _ in 0..MAX_HOPS {
        let mp = project.parsed(&module)?;
        if let Some(class) = top_level(mp, &symbol).filter(|d| d.kind() == "class_definition") {
            return class_owner(&module, mp, class, names);
        }
        (module, symbol) = project.resolve_name(&module, &symbol)?;
    }
    None
}

/// The owner facts of one model class, from its field declarations.
fn class_owner(path: &str, p: &ParsedFile, class: Node<'_>, names: &Names) -> Option<Owner> {
    let body = class.child_by_field_name("body")?;
    let mut fields = 0;
    for stmt in named_children(body).filter(|s| s.kind() == "expression_statement") {
        let Some(assign) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let Some(left) = assign.child_by_field_name("left") else {
            continue;
        };
        let field = p.text(left);
        if field.starts_with("__") {
            continue; // `__tablename__`, `__table_args__`
        }
        fields += 1;
        let decl = p.text(assign).to_ascii_lowercase();
        let targets_principal = ["foreignkey(", "relationship(", "onetoonefield("]
            .iter()
            .any(|k| decl.contains(k))
            && PRINCIPAL_TARGETS.iter().any(|w| decl.contains(w));
        if names.is_owner_field(field) || targets_principal {
            let note = format!("`{field}` relates it to its owner");
            return Some(Owner::Owned(fact_ev(path, p, left, note)));
        }
    }
    let bases = class
        .child_by_field_name("superclasses")
        .map_or("", |b| p.text(b));
    let stock = bases
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .all(|b| MODEL_BASES.contains(&b));
    (fields > 0 && stock).then_some(Owner::Unowned)
}

/// Evidence in another file: the use site is unknown here, so the origin is the location itself.
fn fact_ev(path: &str, p: &ParsedFile, n: Node<'_>, note: String) -> Ev {
    let (line, col) = p.line_col(n.start_byte());
    let mut e = Ev::new(line, col, note);
    e.origin = Some((path.to_owned(), line, col));
    e
}

/// The module-level assignment `name = …`.
fn alias_node<'t>(p: &'t ParsedFile, name: &str) -> Option<Node<'t>> {
    named_children(p.tree.root_node()).find_map(|stmt| {
        let a = stmt.named_child(0)?;
        (stmt.kind() == "expression_statement"
            && a.kind() == "assignment"
            && a.child_by_field_name("left")
                .is_some_and(|l| p.text(l) == name))
        .then_some(a)
    })
}

/// A module-level function or class named `name` (decorated or not).
pub(crate) fn top_level<'t>(p: &'t ParsedFile, name: &str) -> Option<Node<'t>> {
    named_children(p.tree.root_node()).find_map(|n| {
        let def = if n.kind() == "decorated_definition" {
            n.child_by_field_name("definition")?
        } else {
            n
        };
        (matches!(def.kind(), "function_definition" | "class_definition")
            && def
                .child_by_field_name("name")
                .is_some_and(|id| p.text(id) == name))
        .then_some(def)
    })
}

pub(crate) fn class_method<'t>(p: &ParsedFile, class: Node<'t>, name: &str) -> Option<Node<'t>> {
    let body = class.child_by_field_name("body")?;
    named_children(body).find_map(|n| {
        let def = if n.kind() == "decorated_definition" {
            n.child_by_field_name("definition")?
        } else {
            n
        };
        (def.kind() == "function_definition"
            && def
                .child_by_field_name("name")
                .is_some_and(|id| p.text(id) == name))
        .then_some(def)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secreview_model::ChangedFile;

    fn names() -> Names {
        Names::new(&secreview_rules::RuleSet::embedded().unwrap().authz)
    }

    /// A project of `files`, the first of which is the changed one.
    fn project(files: &[(&str, &str)]) -> Project {
        let changed = [ChangedFile::whole(files[0].0, files[0].1.to_owned())];
        let paths = files.iter().map(|(p, _)| (*p).to_owned());
        Project::build(&changed, paths, |p| {
            files
                .iter()
                .find(|(f, _)| *f == p)
                .map(|(_, t)| (*t).to_owned())
        })
    }

    const DEPS: &str = r"from typing import Annotated
from fastapi import Depends, HTTPException


def resolve_caller(token: str = Depends(bearer)):
    if not token:
        raise HTTPException(status_code=401)
    return load(token)


Caller = Annotated[Member, Depends(resolve_caller)]


class ScopeGate:
    def __init__(self, scope):
        self.scope = scope

    def __call__(self, caller: Caller):
        if self.scope not in caller.scopes:
            raise HTTPException(status_code=403)


def get_session():
    yield make()


SessionDep = Annotated[Session, Depends(get_session)]
";

    #[test]
    fn imported_alias_class_and_plain_dependencies() {
        let route = "from app.deps import Caller, ScopeGate, SessionDep\n";
        let p = project(&[("app/routes.py", route), ("app/deps.py", DEPS)]);
        let n = names();
        let caller = dependency(&p, "app/routes.py", "Caller", &n).unwrap();
        let auth = caller.auth.unwrap();
        assert_eq!((auth.path.as_str(), auth.line), ("app/deps.py", 5));
        assert!(
            auth.note.contains("rejects anonymous callers"),
            "{}",
            auth.note
        );
        assert!(caller.privilege.is_none() && caller.ownership.is_none());
        // The gate's `__call__` takes a `Caller` and answers 403 on its own condition: authentication and a
        // function-level permission check.
        let gate = dependency(&p, "app/routes.py", "ScopeGate(\"admin\")", &n).unwrap();
        assert!(gate.auth.is_some() && gate.privilege.is_some());
        // A session dependency establishes nothing.
        assert!(dependency(&p, "app/routes.py", "SessionDep", &n).is_none());
        assert!(dependency(&p, "app/routes.py", "NotImported", &n).is_none());
    }

    #[test]
    fn factory_dependencies_formatted_over_several_lines() {
        let deps = r#"def Authenticator(scopes):
    def dependency(token=Depends(bearer)):
        if token is None:
            raise HTTPException(status_code=401)
    return dependency


_writer = Authenticator(scopes={"write"})
Writer = Annotated[Member, Depends(_writer)]
Reader = Annotated[
    Member,
    Depends(
        Authenticator(scopes={"read"})
    ),
]
"#;
        let p = project(&[
            ("app/r.py", "from app.deps import Reader, Writer\n"),
            ("app/deps.py", deps),
        ]);
        let n = names();
        // A module-level instance built by a project factory, and the factory called inside `Depends(\n …)`.
        for alias in ["Writer", "Reader"] {
            let facts = dependency(&p, "app/r.py", alias, &n).unwrap_or_default();
            assert!(facts.auth.is_some(), "{alias}: {facts:?}");
        }
    }

    #[test]
    fn an_authenticator_is_not_an_ownership_check() {
        let auth = r"def current_member(token=Depends(bearer), db=Depends(get_db)):
    user = db.get(User, decode(token))
    if user is None:
        raise HTTPException(status_code=401)
    return user


def owned_page(page_id: int, user=Depends(current_member), db=Depends(get_db)):
    page = db.get(Page, page_id)
    if page.user_id != user.id:
        raise HTTPException(status_code=404)
    return page
";
        let p = project(&[
            (
                "app/r.py",
                "from app.auth import current_member, owned_page\n",
            ),
            ("app/auth.py", auth),
        ]);
        let n = names();
        let login = dependency(&p, "app/r.py", "current_member", &n).unwrap();
        assert!(login.auth.is_some() && login.ownership.is_none());
        let owned = dependency(&p, "app/r.py", "owned_page", &n).unwrap();
        assert!(owned.ownership.is_some() && owned.auth.is_some());
    }

    #[test]
    fn model_ownership_from_fields_and_foreign_keys() {
        let models = r#"class Doc(Base):
    __tablename__ = "docs"
    id = Column(Integer)
    writer = relationship("Member")


class Tag(Base):
    id = Column(Integer)
    label = Column(String)


class Audited(TimestampMixin, Base):
    id = Column(Integer)
"#;
        let p = project(&[
            ("app/r.py", "from app.models import Doc, Tag, Audited\n"),
            ("app/models.py", models),
        ]);
        let n = names();
        let parsed = p.parsed("app/r.py").unwrap();
        let owner = |m: &str| model_owner(&p, "app/r.py", parsed, m, &n);
        assert!(matches!(owner("Doc"), Some(Owner::Owned(_))));
        assert!(matches!(owner("Tag"), Some(Owner::Unowned)));
        // A project base class may add the owner out of sight: unknown, not unowned.
        assert!(owner("Audited").is_none());
    }

    #[test]
    fn rejections_are_read_from_the_raised_status() {
        let r = Rejection::in_body(
            "if c is None:\n    raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED)\n",
        );
        assert!(r.unauthenticated && !r.forbidden);
        let r = Rejection::in_body("if not ok:\n    abort(403)\n");
        assert!(r.forbidden && !r.unauthenticated);
        // Naming a status without raising or returning it as one rejects nothing.
        assert_eq!(
            Rejection::in_body("log({'code': 401})"),
            Rejection::default()
        );
        // A returned error response rejects too (`return error("missing api key", 401)`).
        let r =
            Rejection::in_body("if len(key) != 32:\n    return error(\"missing api key\", 401)\n");
        assert!(r.unauthenticated && !r.forbidden);
    }
}
