//! The project around the changed files: the other modules of the same tree that the changed files import, read
//! for context (the first step of the design's "project index").
//!
//! Real applications keep one fact in several files: a route in `api/routes/notes.py` authenticates through
//! `Caller = Annotated[Member, Depends(resolve_caller)]` defined in `api/deps.py`. The analyses ask a [`Project`]
//! what an imported name is; the project resolves Python imports (absolute, relative, `src/`-style prefixes,
//! packages and their `__init__` re-exports) against the paths of the scanned tree and parses a module only when
//! a question reaches it, once, shared by every worker.
//!
//! This module reads no files: the caller passes the tree's paths and a reader.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use secreview_model::ChangedFile;
use secreview_syntax::{Lang, ParsedFile};

/// Import levels followed from the changed files: route → deps module → the auth module it imports. Deeper
/// chains are rare in practice and each level multiplies what is read.
pub const CONTEXT_DEPTH: usize = 3;

/// At most this many context modules are read, so a change that imports half of a monorepo stays fast.
pub const CONTEXT_MAX_FILES: usize = 400;

/// File names that conventionally wire routes into an application (`app.include_router(router,
/// dependencies=[…])`, `urlpatterns`, `register_blueprint`). They import the route modules, not the other way
/// round, so the import closure of a changed route never reaches them: they are read from the changed file's
/// ancestor directories instead, where layouts put them (`app/main.py`, `app/api/main.py`, `pkg/__init__.py`).
const WIRING_NAMES: &[&str] = &[
    "__init__.py",
    "main.py",
    "app.py",
    "api.py",
    "application.py",
    "asgi.py",
    "wsgi.py",
    "server.py",
    "factory.py",
    "routes.py",
    "router.py",
    "routers.py",
    "urls.py",
];

/// Text that marks a module as wiring: it registers routers, blueprints or URL patterns.
const WIRING_MARKERS: &[&str] = &[
    "include_router(",
    "register_blueprint(",
    "urlpatterns",
    "add_url_rule(",
    "add_resource(",
    ".mount(",
];

/// Ancestor directories searched for wiring files, nearest first (`app/api/routes/x.py` → `app/api/routes`,
/// `app/api`, `app`, the root).
const WIRING_DEPTH: usize = 6;

/// One `import` binding of a Python module: `from app.api import deps as d` binds `d` to (`app.api`, level 0,
/// `deps`); `import app.models` binds `app` to (`app`, 0, none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub local: String,
    pub module: String,
    /// Leading dots of a relative import.
    pub level: usize,
    /// The imported name, for `from … import name`.
    pub name: Option<String>,
}

/// A module of the project, parsed on first use.
struct Module {
    text: String,
    imports: Vec<Import>,
    parsed: OnceLock<Option<ParsedFile>>,
}

/// The scanned tree's Python modules that matter for the changed files.
#[derive(Default)]
pub struct Project {
    modules: HashMap<String, Module>,
    paths: PathIndex,
    /// Modules read for context, beyond the changed files.
    context: usize,
    /// Modules that register routes (see [`WIRING_MARKERS`]), in path order.
    wiring: Vec<String>,
}

impl Project {
    /// A project that knows nothing beyond each file itself (for `--all`, where every file is scanned anyway
    /// but no context is read, and for callers without a tree).
    pub fn empty() -> Project {
        Project::default()
    }

    /// The changed files plus the modules they import, transitively up to [`CONTEXT_DEPTH`] levels and
    /// [`CONTEXT_MAX_FILES`] files. `paths` lists every file of the scanned side of the tree; `read` returns a
    /// file's text on that side (or `None`: missing, binary, too large).
    pub fn build(
        changed: &[ChangedFile],
        paths: impl IntoIterator<Item = String>,
        mut read: impl FnMut(&str) -> Option<String>,
    ) -> Project {
        let mut project = Project {
            modules: HashMap::new(),
            paths: PathIndex::new(paths),
            context: 0,
            wiring: Vec::new(),
        };
        let mut frontier: Vec<String> = Vec::new();
        for f in changed.iter().filter(|f| is_python(&f.path)) {
            project.insert(f.path.clone(), f.new_text.clone());
            frontier.push(f.path.clone());
        }
        let mut read_count = 0;
        for target in project.wiring_candidates(&frontier) {
            if read_count >= CONTEXT_MAX_FILES {
                break;
            }
            read_count += 1;
            // Kept either way (an import may name it later, and a second read would be wasted); only wiring
            // files have their imports followed.
            if let Some(text) = read(&target) {
                let wiring = is_wiring(&text);
                project.insert(target.clone(), text);
                project.context += 1;
                if wiring {
                    frontier.push(target);
                }
            }
        }
        for _ in 0..CONTEXT_DEPTH {
            let mut next = Vec::new();
            for path in &frontier {
                for target in project.import_targets(path) {
                    if project.modules.contains_key(&target) || read_count >= CONTEXT_MAX_FILES {
                        continue;
                    }
                    read_count += 1;
                    if let Some(text) = read(&target) {
                        project.insert(target.clone(), text);
                        project.context += 1;
                        next.push(target);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        project.wiring = project
            .modules
            .iter()
            .filter(|(_, m)| is_wiring(&m.text))
            .map(|(p, _)| p.clone())
            .collect();
        project.wiring.sort();
        project
    }

    /// Wiring files in the changed files' ancestor directories that the project does not hold yet.
    fn wiring_candidates(&self, changed: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for path in changed {
            let mut dir = path.as_str();
            for _ in 0..WIRING_DEPTH {
                let parent = dir.rsplit_once('/').map_or("", |(d, _)| d);
                for name in WIRING_NAMES {
                    let candidate = if parent.is_empty() {
                        (*name).to_owned()
                    } else {
                        format!("{parent}/{name}")
                    };
                    if candidate != *path
                        && !self.modules.contains_key(&candidate)
                        && self.paths.contains(&candidate)
                        && seen.insert(candidate.clone())
                    {
                        out.push(candidate);
                    }
                }
                if parent.is_empty() {
                    break;
                }
                dir = parent;
            }
        }
        out
    }

    /// The modules that register routes (`include_router`, `urlpatterns`, blueprints), changed or read for
    /// context.
    pub fn wiring(&self) -> &[String] {
        &self.wiring
    }

    fn insert(&mut self, path: String, text: String) {
        let imports = python_imports(&text);
        self.modules.insert(
            path,
            Module {
                text,
                imports,
                parsed: OnceLock::new(),
            },
        );
    }

    /// How many modules the project holds (changed Python files included).
    pub fn len(&self) -> usize {
        self.modules.len()
    }

    /// How many modules were read for context, beyond the changed files.
    pub fn context_len(&self) -> usize {
        self.context
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// The files `path`'s imports resolve to: the module, and for `from pkg import name` also `pkg/name` when it
    /// is a submodule.
    fn import_targets(&self, path: &str) -> Vec<String> {
        let Some(m) = self.modules.get(path) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for imp in &m.imports {
            let mut push = |p: Option<String>| {
                if let Some(p) = p
                    && seen.insert(p.clone())
                {
                    out.push(p);
                }
            };
            push(self.paths.resolve(path, &imp.module, imp.level));
            if let Some(name) = &imp.name {
                push(
                    self.paths
                        .resolve(path, &join_module(&imp.module, name), imp.level),
                );
            }
        }
        out
    }

    /// The project's own copy of a module's path, borrowed for as long as the project lives.
    pub fn module_path(&self, path: &str) -> Option<&str> {
        self.modules.get_key_value(path).map(|(k, _)| k.as_str())
    }

    /// The imports of a module of the project.
    pub fn imports(&self, path: &str) -> &[Import] {
        self.modules.get(path).map_or(&[], |m| m.imports.as_slice())
    }

    /// The parsed module at `path`, parsed now if this is the first question about it.
    pub fn parsed(&self, path: &str) -> Option<&ParsedFile> {
        let m = self.modules.get(path)?;
        m.parsed
            // A module the parser refuses (nested too deep) gives no facts; the scan reports it where it is changed.
            .get_or_init(|| secreview_syntax::parse(Lang::Python, m.text.clone()).ok())
            .as_ref()
    }

    /// Where `local`, as bound by an import of the module at `importer`, is defined: (module path, name in that
    /// module). `deps.get_user` (with `from app.api import deps`) resolves to (`app/api/deps.py`, `get_user`).
    pub fn resolve_name(&self, importer: &str, local: &str) -> Option<(String, String)> {
        let (head, rest) = match local.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (local, None),
        };
        let imp = self.imports(importer).iter().find(|i| i.local == head)?;
        let (module, symbol) = match (&imp.name, rest) {
            // `from pkg import mod` then `mod.f`: `f` in `pkg.mod`.
            (Some(name), Some(rest)) => {
                let (sub, sym) = split_last(rest);
                (join_module(&join_module(&imp.module, name), sub), sym)
            }
            (Some(name), None) => {
                // `from pkg import f` — `f` in `pkg`, unless `pkg.f` is itself a module.
                if let Some(p) = self.paths.resolve(importer, &imp.module, imp.level) {
                    return Some((p, name.clone()));
                }
                return None;
            }
            // `import app.auth` then `app.auth.get_user`.
            (None, Some(rest)) => {
                let (sub, sym) = split_last(rest);
                (join_module(&imp.module, sub), sym)
            }
            (None, None) => return None,
        };
        let path = self.paths.resolve(importer, &module, imp.level)?;
        Some((path, symbol.to_owned()))
    }
}

fn is_wiring(text: &str) -> bool {
    WIRING_MARKERS.iter().any(|m| text.contains(m))
}

fn split_last(dotted: &str) -> (&str, &str) {
    dotted.rsplit_once('.').unwrap_or(("", dotted))
}

fn join_module(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a}.{b}"),
    }
}

/// Python imports load `.py` files, matched case-sensitively as the import system does on POSIX.
#[allow(clippy::case_sensitive_file_extension_comparisons)]
fn is_python(path: &str) -> bool {
    path.ends_with(".py")
}

/// Python file paths by module name (the file stem, or the package directory for `__init__.py`), to resolve a
/// dotted module without knowing the source root (`src/`, `backend/`, the repository root).
#[derive(Default)]
struct PathIndex {
    by_name: HashMap<String, Vec<String>>,
    all: HashSet<String>,
}

impl PathIndex {
    fn new(paths: impl IntoIterator<Item = String>) -> PathIndex {
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        let mut all = HashSet::new();
        for p in paths.into_iter().filter(|p| is_python(p)) {
            all.insert(p.clone());
            let stem = p.trim_end_matches(".py");
            let name = match stem.strip_suffix("/__init__") {
                Some(pkg) => pkg.rsplit('/').next().unwrap_or(pkg),
                None => stem.rsplit('/').next().unwrap_or(stem),
            };
            by_name.entry(name.to_owned()).or_default().push(p);
        }
        for v in by_name.values_mut() {
            v.sort();
        }
        PathIndex { by_name, all }
    }

    fn contains(&self, path: &str) -> bool {
        self.all.contains(path)
    }

    /// The file defining `module` as imported from `importer`: for a relative import, below the importer's
    /// package; for an absolute one, any file whose path ends with the module's path, preferring the one that
    /// shares the longest directory prefix with the importer (the same source root), then the shortest.
    fn resolve(&self, importer: &str, module: &str, level: usize) -> Option<String> {
        let rel = if level > 0 {
            let mut dir: Vec<&str> = importer.split('/').collect();
            dir.pop();
            for _ in 1..level {
                dir.pop()?;
            }
            let mut parts: Vec<&str> = dir;
            parts.extend(module.split('.').filter(|s| !s.is_empty()));
            parts.join("/")
        } else {
            module.replace('.', "/")
        };
        if rel.is_empty() {
            return None;
        }
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        let candidates = self.by_name.get(name)?;
        let as_file = format!("{rel}.py");
        let as_pkg = format!("{rel}/__init__.py");
        let matches = |p: &&String| {
            if level > 0 {
                **p == as_file || **p == as_pkg
            } else {
                ends_with_path(p, &as_file) || ends_with_path(p, &as_pkg)
            }
        };
        candidates
            .iter()
            .filter(matches)
            .max_by_key(|p| (common_dirs(p, importer), std::cmp::Reverse(p.len())))
            .cloned()
    }
}

/// `a/b/c.py` ends with the path `b/c.py` (on a `/` boundary), not with `xc.py`.
fn ends_with_path(path: &str, suffix: &str) -> bool {
    path == suffix
        || path
            .strip_suffix(suffix)
            .is_some_and(|head| head.ends_with('/'))
}

fn common_dirs(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

/// The import bindings of a Python module, from its text. Line-based on purpose: imports are simple statements,
/// this runs before anything is parsed (to decide what to read), and a string that happens to start with
/// `import` only costs a wasted lookup.
pub fn python_imports(text: &str) -> Vec<Import> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let s = line.trim_start();
        if let Some(rest) = s.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import ") else {
                continue;
            };
            let module = module.trim();
            let level = module.chars().take_while(|c| *c == '.').count();
            let module = module[level..].to_owned();
            let mut names = names.to_owned();
            // `from x import (\n a,\n b as c,\n)`: read on until the closing parenthesis.
            if names.contains('(') && !names.contains(')') {
                for more in lines.by_ref() {
                    names.push(' ');
                    names.push_str(more);
                    if more.contains(')') {
                        break;
                    }
                }
            }
            let names = names.split('#').next().unwrap_or("");
            for item in names
                .trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace())
                .split(',')
            {
                let item = item.trim().trim_matches(|c| c == '(' || c == ')').trim();
                if item.is_empty() || item == "*" {
                    continue;
                }
                let (name, local) = match item.split_once(" as ") {
                    Some((n, l)) => (n.trim(), l.trim()),
                    None => (item, item),
                };
                if is_identifier(name) && is_identifier(local) {
                    out.push(Import {
                        local: local.to_owned(),
                        module: module.clone(),
                        level,
                        name: Some(name.to_owned()),
                    });
                }
            }
        } else if let Some(rest) = s.strip_prefix("import ") {
            for item in rest.split('#').next().unwrap_or("").split(',') {
                let item = item.trim();
                let (module, local) = match item.split_once(" as ") {
                    Some((m, l)) => (m.trim(), l.trim().to_owned()),
                    None => (item, item.split('.').next().unwrap_or(item).to_owned()),
                };
                if !module.is_empty()
                    && module.split('.').all(is_identifier)
                    && is_identifier(&local)
                {
                    // `import a.b` binds `a`; `a.b.f` then resolves through the dotted rest.
                    let bound = if item.contains(" as ") {
                        module.to_owned()
                    } else {
                        local.clone()
                    };
                    out.push(Import {
                        local,
                        module: bound,
                        level: 0,
                        name: None,
                    });
                }
            }
        }
    }
    out
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imp(local: &str, module: &str, level: usize, name: Option<&str>) -> Import {
        Import {
            local: local.into(),
            module: module.into(),
            level,
            name: name.map(Into::into),
        }
    }

    #[test]
    fn imports_of_every_shape() {
        let text = "import os\nimport app.models as m, json\nfrom app.api.deps import Caller, SessionDep as S\n\
                    from . import deps\nfrom ..core import (\n    security,\n    get_user as gu,  # comment\n)\n\
                    def f():\n    from app import late\n";
        assert_eq!(
            python_imports(text),
            [
                imp("os", "os", 0, None),
                imp("m", "app.models", 0, None),
                imp("json", "json", 0, None),
                imp("Caller", "app.api.deps", 0, Some("Caller")),
                imp("S", "app.api.deps", 0, Some("SessionDep")),
                imp("deps", "", 1, Some("deps")),
                imp("security", "core", 2, Some("security")),
                imp("gu", "core", 2, Some("get_user")),
                imp("late", "app", 0, Some("late")),
            ]
        );
    }

    fn index() -> PathIndex {
        PathIndex::new(
            [
                "backend/app/api/deps.py",
                "backend/app/api/__init__.py",
                "backend/app/api/routes/notes.py",
                "backend/app/core/security.py",
                "tools/app/api/deps.py",
                "src/pkg/__init__.py",
                "src/pkg/models.py",
                "README.md",
            ]
            .map(String::from),
        )
    }

    #[test]
    fn absolute_imports_resolve_under_any_source_root_preferring_the_importers() {
        let ix = index();
        let from = "backend/app/api/routes/notes.py";
        assert_eq!(
            ix.resolve(from, "app.api.deps", 0).as_deref(),
            Some("backend/app/api/deps.py")
        );
        assert_eq!(
            ix.resolve("tools/app/x.py", "app.api.deps", 0).as_deref(),
            Some("tools/app/api/deps.py")
        );
        assert_eq!(
            ix.resolve(from, "app.api", 0).as_deref(),
            Some("backend/app/api/__init__.py")
        );
        assert_eq!(
            ix.resolve("src/pkg/views.py", "pkg.models", 0).as_deref(),
            Some("src/pkg/models.py")
        );
        assert_eq!(ix.resolve(from, "sqlalchemy.orm", 0), None);
        // `xdeps.py` does not end with the path `deps.py`.
        assert!(!ends_with_path("app/xdeps.py", "deps.py"));
    }

    #[test]
    fn relative_imports_resolve_from_the_importers_package() {
        let ix = index();
        let from = "backend/app/api/routes/notes.py";
        assert_eq!(
            ix.resolve(from, "deps", 2).as_deref(),
            Some("backend/app/api/deps.py")
        );
        assert_eq!(
            ix.resolve(from, "core.security", 3).as_deref(),
            Some("backend/app/core/security.py")
        );
        assert_eq!(ix.resolve("a.py", "x", 5), None);
    }

    fn changed(path: &str, text: &str) -> ChangedFile {
        ChangedFile::whole(path, text.to_owned())
    }

    #[test]
    fn build_reads_the_import_closure_and_resolves_names() {
        let files: HashMap<&str, &str> = [
            (
                "app/api/deps.py",
                "from app.core import security\nCaller = 1\n",
            ),
            ("app/core/security.py", "import jwt\n"),
            ("app/core/__init__.py", ""),
            ("app/unrelated.py", "x = 1\n"),
        ]
        .into();
        let mut paths: Vec<String> = files.keys().map(|p| (*p).to_owned()).collect();
        paths.push("app/api/routes/notes.py".into());
        let mut reads = Vec::new();
        let project = Project::build(
            &[changed(
                "app/api/routes/notes.py",
                "from app.api.deps import Caller\nfrom app.api import deps\n",
            )],
            paths,
            |p| {
                reads.push(p.to_owned());
                files.get(p).map(|t| (*t).to_owned())
            },
        );
        reads.sort();
        assert_eq!(
            reads,
            [
                "app/api/deps.py",
                "app/core/__init__.py",
                "app/core/security.py"
            ]
        );
        assert_eq!((project.len(), project.context_len()), (4, 3));
        let notes = "app/api/routes/notes.py";
        assert_eq!(
            project.resolve_name(notes, "Caller"),
            Some(("app/api/deps.py".into(), "Caller".into()))
        );
        assert_eq!(
            project.resolve_name(notes, "deps.get_user"),
            Some(("app/api/deps.py".into(), "get_user".into()))
        );
        assert_eq!(project.resolve_name(notes, "missing"), None);
        assert!(project.parsed("app/api/deps.py").is_some());
    }

    #[test]
    fn wiring_files_are_read_from_the_changed_files_ancestor_directories() {
        let files: HashMap<&str, &str> = [
            (
                "app/api/main.py",
                "from app.api.routes import notes\napi.include_router(notes.router)\n",
            ),
            ("app/main.py", "app = FastAPI()\n"),
            ("app/api/routes/__init__.py", ""),
            ("other/urls.py", "urlpatterns = []\n"),
        ]
        .into();
        let mut paths: Vec<String> = files.keys().map(|p| (*p).to_owned()).collect();
        paths.push("app/api/routes/notes.py".into());
        let mut reads = Vec::new();
        let project = Project::build(
            &[changed("app/api/routes/notes.py", "router = APIRouter()\n")],
            paths,
            |p| {
                reads.push(p.to_owned());
                files.get(p).map(|t| (*t).to_owned())
            },
        );
        reads.sort();
        // Ancestors only (not `other/urls.py`), and only files that register routes are kept.
        assert_eq!(
            reads,
            [
                "app/api/main.py",
                "app/api/routes/__init__.py",
                "app/main.py"
            ]
        );
        assert_eq!(project.wiring(), ["app/api/main.py"]);
    }
}
