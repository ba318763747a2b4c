//! The project around the changed files: the other modules of the same tree that the changed files import, read
//! for context (the first step of the design's "project index").
//!
//! Real applications keep one fact in several files: a route in `api/routes/notes.py` authenticates through
//! `Caller = Annotated[Member, Depends(resolve_caller)]` defined in `api/deps.py`. The analyses ask a [`Project`]
//! what an imported name is; the project resolves imports against the paths of the scanned tree and parses a
//! module once, shared by every worker:
//! - Python: absolute imports under any source root (`src/`, `backend/`, the repository root), relative
//!   imports, packages, and re-exports (`from .x import Y` in `pkg/__init__.py` makes `pkg.Y` resolve to
//!   `pkg/x.py`);
//! - Rust, inside the workspace: `use crate::…`, `self::…`, `super::…`, 2018-style paths to child modules, and
//!   other workspace crates by package name (`my-auth` is `my_auth`); a module path maps to files by the
//!   `mod` rules (`a/b.rs` or `a/b/mod.rs` under the crate's `src/`, `lib.rs`/`main.rs` at the root,
//!   `#[path = "…"]` on the declaring `mod`), and `pub use` re-exports are followed like Python's.
//!
//! The bindings a question resolves against come from the IR (`secreview_syntax::ir`), so parenthesized
//! multi-line imports, function-level imports and nested `use` trees are read as the language reads them. What to
//! read next is decided without a parse for Python (a line scan of the imports: most modules read for context are
//! never asked about, and parsing them all tripled the cost of a branch scan). This module reads no files: the
//! caller passes the tree's paths and a reader.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rayon::prelude::*;

use secreview_model::ChangedFile;
use secreview_syntax::ir::{self, ExprKind, StmtKind};
use secreview_syntax::{Lang, ParsedFile};

mod callers;
mod templates;
pub use callers::{Callers, Site, Target, TreeReader};
pub use templates::is_template;

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
    "urls/__init__.py",
];

/// Text that marks a module as wiring: it registers routers, blueprints or URL patterns.
const WIRING_MARKERS: &[&str] = &[
    "include_router(",
    "register_blueprint(",
    "urlpatterns",
    "add_url_rule(",
    "add_resource(",
    "add_router(",
    ".mount(",
];

/// Text that marks a Rust module that composes routers: an axum router nested or merged into another, an actix
/// `App` or scope that configures or mounts services.
const RUST_WIRING_MARKERS: &[&str] = &[".nest(", ".merge(", ".configure(", ".service("];

/// Rust files searched for router wiring in the changed files' ancestor directories (`src/main.rs` nests the
/// routers of `src/routes/*.rs`).
const RUST_WIRING_NAMES: &[&str] = &[
    "main.rs",
    "lib.rs",
    "mod.rs",
    "app.rs",
    "routes.rs",
    "router.rs",
    "server.rs",
    "startup.rs",
    "api.rs",
    "http.rs",
];

fn is_rust_wiring(text: &str) -> bool {
    RUST_WIRING_MARKERS.iter().any(|m| text.contains(m))
}

/// Text that marks a settings module the analyses read: Django REST framework's configuration.
const SETTINGS_MARKER: &str = "REST_FRAMEWORK";

/// At most this many settings modules are read (a project has a few: base, dev, prod, test).
const MAX_SETTINGS: usize = 12;

/// A Django settings module by its path: `settings.py`, or any module of a `settings/` package
/// (`config/settings/base.py`); test settings are left out.
fn is_settings_path(path: &str) -> bool {
    if !is_python(path) || path.split('/').any(|s| s.starts_with("test")) {
        return false;
    }
    let mut segs = path.rsplit('/');
    let file = segs.next().unwrap_or("");
    file == "settings.py" || segs.next() == Some("settings")
}

/// Ancestor directories searched for wiring files, nearest first (`app/api/routes/x.py` → `app/api/routes`,
/// `app/api`, `app`, the root).
const WIRING_DEPTH: usize = 6;

/// At most this many `Cargo.toml` manifests are read for workspace crate names.
const MAX_MANIFESTS: usize = 256;

/// Re-exports followed by [`Project::resolve_name`] (`pkg/__init__.py` → `pkg/x.py` → …).
const MAX_REEXPORT_HOPS: usize = 5;

/// One import binding of a module.
///
/// Python: `from app.api import deps as d` binds `d` to (`app.api`, level 0, `deps`); `import app.models`
/// binds `app` to (`app`, 0, none). Rust: `use crate::auth::{self as a, User}` binds `a` to (`crate`, 0,
/// `auth`) and `User` to (`crate::auth`, 0, `User`); the module path is `::`-joined. A glob import
/// (`from m import *`, `use m::*`) has `glob` set, `local` `*` and no name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub local: String,
    pub module: String,
    /// Leading dots of a relative Python import.
    pub level: usize,
    /// The imported name, for `from … import name` and Rust `use`.
    pub name: Option<String>,
    pub glob: bool,
}

/// What a module declares, read from its IR once.
#[derive(Default)]
struct Facts {
    imports: Vec<Import>,
    /// Top-level names the module defines itself (functions, classes, types, assigned names).
    defined: HashSet<String>,
    /// Rust `mod name;` declarations with a `#[path = "…"]`.
    mod_paths: HashMap<String, String>,
}

/// Source bytes past which a project does not keep every tree it parses for summaries: a tree takes about 35
/// times its source, so 8 MiB of modules would already hold ~280 MiB of trees.
const MAX_KEPT_TREES_SOURCE: usize = 8 << 20;

/// A module of the project, parsed on first use.
struct Module {
    lang: Lang,
    text: String,
    parsed: OnceLock<Option<ParsedFile>>,
    facts: OnceLock<Facts>,
    /// Names an analysis reads off the module once per scan (see [`Project::memo_names`]).
    names: OnceLock<HashSet<String>>,
}

/// The scanned tree's modules that matter for the changed files.
#[derive(Default)]
pub struct Project {
    modules: HashMap<String, Module>,
    paths: PathIndex,
    /// Modules read for context, beyond the changed files.
    context: usize,
    /// Modules that register routes (see [`WIRING_MARKERS`]), in path order.
    wiring: Vec<String>,
    /// Django settings modules that configure Django REST framework, in path order.
    settings: Vec<String>,
    /// Rust modules that compose routers (see [`RUST_WIRING_MARKERS`]), in path order.
    rust_wiring: Vec<String>,
    /// The modules are too large to keep every tree read for a question (see [`Project::with_parsed`]).
    large: bool,
    /// Taint summaries of the project's modules, shared by the scan's threads.
    pub(crate) taint: crate::taint::SharedSummaries,
    /// Templates the changed Python modules name (see `templates`).
    templates: templates::Templates,
    /// Call sites of the project's functions, searched on demand (see `callers`).
    calls: callers::CallIndex,
}

/// The context files the project build has read, against [`CONTEXT_MAX_FILES`]: a file two modules import is
/// read once, and a file read but not kept (a crate root that is no wiring file) is kept aside for a later
/// level that imports it.
#[derive(Default)]
struct Reads {
    asked: HashSet<String>,
    unused: HashMap<String, String>,
}

impl Reads {
    /// The texts of the candidates the project does not hold yet, in order, up to what the budget leaves.
    fn fetch(
        &mut self,
        project: &Project,
        candidates: Vec<String>,
        read_many: &mut impl FnMut(&[String]) -> Vec<Option<String>>,
    ) -> Vec<(String, Option<String>)> {
        let mut wanted = Vec::new();
        for c in candidates {
            if project.modules.contains_key(&c) || wanted.contains(&c) {
                continue;
            }
            if self.unused.contains_key(&c) || self.asked.len() < CONTEXT_MAX_FILES {
                wanted.push(c);
            }
        }
        let to_read: Vec<String> = wanted
            .iter()
            .filter(|c| !self.unused.contains_key(*c) && !self.asked.contains(*c))
            .cloned()
            .collect();
        self.asked.extend(to_read.iter().cloned());
        let mut texts: HashMap<String, Option<String>> =
            to_read.iter().cloned().zip(read_many(&to_read)).collect();
        wanted
            .into_iter()
            .filter_map(|c| {
                let text = match self.unused.remove(&c) {
                    Some(t) => Some(t),
                    // Asked at an earlier level and unreadable then: still unreadable.
                    None => texts.remove(&c)?,
                };
                Some((c, text))
            })
            .collect()
    }

    /// Keeps a text read but not kept, for a later level that imports the file.
    fn set_aside(&mut self, path: String, text: String) {
        self.unused.insert(path, text);
    }
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
        Project::build_batched(changed, paths, |batch| {
            batch.iter().map(|p| read(p)).collect()
        })
    }

    /// As [`Project::build`], reading a level's files in one call, so the reader can read them in parallel:
    /// `read_many` returns one text (or `None`) per path, in order.
    pub fn build_batched(
        changed: &[ChangedFile],
        paths: impl IntoIterator<Item = String>,
        mut read_many: impl FnMut(&[String]) -> Vec<Option<String>>,
    ) -> Project {
        let paths: Vec<String> = paths.into_iter().collect();
        let mut read_one = |p: &str| read_many(&[p.to_owned()]).pop().flatten();
        let templates = templates::Templates::collect(changed, &paths, &mut read_one);
        let mut project = Project {
            paths: PathIndex::new(paths),
            templates,
            ..Project::default()
        };
        let mut frontier: Vec<String> = Vec::new();
        for f in changed {
            if let Some(lang) = module_lang(&f.path) {
                project.insert(f.path.clone(), lang, f.new_text.clone());
                frontier.push(f.path.clone());
            }
        }
        if project.modules.values().any(|m| m.lang == Lang::Rust) {
            project.paths.read_crate_names(&mut read_one);
        }
        // With every module of the tree already here (`--all`), there is nothing to read: keep parsing lazy.
        if project.modules.len() >= project.paths.module_count {
            project.finish();
            return project;
        }
        let mut reads = Reads::default();
        // Settings apply to every view without importing it: read them by path, like wiring files.
        let settings = project.paths.settings.clone();
        for (target, text) in reads.fetch(&project, settings, &mut read_many) {
            match text {
                Some(text) if text.contains(SETTINGS_MARKER) => {
                    project.insert(target, Lang::Python, text);
                    project.context += 1;
                }
                Some(text) => reads.set_aside(target, text),
                None => {}
            }
        }
        let wiring = project.rust_wiring_candidates(&frontier);
        for (target, text) in reads.fetch(&project, wiring, &mut read_many) {
            match text {
                Some(text) if is_rust_wiring(&text) => {
                    project.insert(target.clone(), Lang::Rust, text);
                    project.context += 1;
                    frontier.push(target);
                }
                Some(text) => reads.set_aside(target, text),
                None => {}
            }
        }
        let wiring = project.wiring_candidates(&frontier);
        for (target, text) in reads.fetch(&project, wiring, &mut read_many) {
            // Kept either way (an import may name it later, and a second read would be wasted); only wiring
            // files have their imports followed.
            if let Some(text) = text {
                let is_wiring = is_wiring(&text);
                project.insert(target.clone(), Lang::Python, text);
                project.context += 1;
                if is_wiring {
                    frontier.push(target);
                }
            }
        }
        for _ in 0..CONTEXT_DEPTH {
            // Rust imports come from the IR, so each Rust module of the frontier is parsed: in parallel, once (the
            // parsed tree stays for the analyses' questions).
            frontier
                .par_iter()
                .filter(|p| module_lang(p) == Some(Lang::Rust))
                .for_each(|p| {
                    project.facts(p);
                });
            let targets: Vec<String> = frontier
                .iter()
                .flat_map(|path| project.import_targets(path))
                .filter(|t| module_lang(t).is_some())
                .collect();
            let mut next = Vec::new();
            project.insert_read(reads.fetch(&project, targets, &mut read_many), &mut next);
            // A Rust `mod` may be placed by a `#[path]` in a crate root this level just read: ask the Rust
            // files of the level again (what is held already is not read twice).
            let again: Vec<String> = frontier
                .iter()
                .filter(|p| module_lang(p) == Some(Lang::Rust))
                .flat_map(|path| project.import_targets(path))
                .filter(|t| module_lang(t).is_some())
                .collect();
            project.insert_read(reads.fetch(&project, again, &mut read_many), &mut next);
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        project.finish();
        project
    }

    /// Lets the project read the rest of the tree when a question needs it (the callers of a function, see
    /// [`Project::callers`]); without a reader only the modules read at build are searched.
    #[must_use]
    pub fn with_reader(mut self, reader: TreeReader) -> Project {
        self.calls.set_reader(reader);
        self
    }

    fn finish(&mut self) {
        self.index_wiring();
        let bytes: usize = self.modules.values().map(|m| m.text.len()).sum();
        self.large = bytes > MAX_KEPT_TREES_SOURCE;
    }

    fn index_wiring(&mut self) {
        self.wiring = self
            .modules
            .iter()
            .filter(|(p, m)| is_python(p) && is_wiring(&m.text))
            .map(|(p, _)| p.clone())
            .collect();
        self.wiring.sort();
        self.settings = self
            .modules
            .iter()
            .filter(|(p, m)| is_settings_path(p) && m.text.contains(SETTINGS_MARKER))
            .map(|(p, _)| p.clone())
            .collect();
        self.settings.sort();
        self.rust_wiring = self
            .modules
            .iter()
            .filter(|(_, m)| m.lang == Lang::Rust && is_rust_wiring(&m.text))
            .map(|(p, _)| p.clone())
            .collect();
        self.rust_wiring.sort();
    }

    /// The Rust modules that compose routers (`.nest(`, `.merge(`, `.configure(`, `.service(`), changed or read
    /// for context.
    pub fn rust_wiring(&self) -> &[String] {
        &self.rust_wiring
    }

    /// The Django settings modules that configure Django REST framework (`REST_FRAMEWORK = {…}`), changed or read
    /// for context.
    pub fn settings(&self) -> &[String] {
        &self.settings
    }

    /// Rust router wiring files in the changed Rust files' ancestor directories that the project does not hold yet.
    fn rust_wiring_candidates(&self, changed: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for path in changed
            .iter()
            .filter(|p| module_lang(p) == Some(Lang::Rust))
        {
            let mut dir = path.as_str();
            for _ in 0..WIRING_DEPTH {
                let parent = dir.rsplit_once('/').map_or("", |(d, _)| d);
                for name in RUST_WIRING_NAMES {
                    let candidate = if parent.is_empty() {
                        (*name).to_owned()
                    } else {
                        format!("{parent}/{name}")
                    };
                    if candidate != *path
                        && !self.modules.contains_key(&candidate)
                        && self.paths.rust.contains(&candidate)
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

    /// Python wiring files in the changed files' ancestor directories that the project does not hold yet.
    fn wiring_candidates(&self, changed: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for path in changed.iter().filter(|p| is_python(p)) {
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

    /// The template a changed module names (`users/profile.html`): its path and text, when the tree has it.
    pub fn template(&self, name: &str) -> Option<(&str, &str)> {
        self.templates.find(name)
    }

    /// The modules that register routes (`include_router`, `urlpatterns`, blueprints), changed or read for
    /// context.
    pub fn wiring(&self) -> &[String] {
        &self.wiring
    }

    /// The module a dotted name written in `importer` names (`include("app.urls")`), if the project holds it.
    pub fn resolve_module(&self, importer: &str, dotted: &str) -> Option<String> {
        self.paths
            .resolve(importer, dotted, 0)
            .filter(|p| self.modules.contains_key(p))
    }

    /// The project's own copy of a module's path, borrowed for as long as the project lives.
    pub fn module_path(&self, path: &str) -> Option<&str> {
        self.modules.get_key_value(path).map(|(k, _)| k.as_str())
    }

    /// Inserts each module read for context, adding its path to `next`.
    fn insert_read(&mut self, read: Vec<(String, Option<String>)>, next: &mut Vec<String>) {
        for (target, text) in read {
            if let (Some(lang), Some(text)) = (module_lang(&target), text) {
                self.insert(target.clone(), lang, text);
                self.context += 1;
                next.push(target);
            }
        }
    }

    fn insert(&mut self, path: String, lang: Lang, text: String) {
        self.modules.insert(
            path,
            Module {
                lang,
                text,
                parsed: OnceLock::new(),
                facts: OnceLock::new(),
                names: OnceLock::new(),
            },
        );
    }

    /// How many modules the project holds (changed Python and Rust files included).
    pub fn len(&self) -> usize {
        self.modules.len()
    }

    /// How many module summaries the taint analysis computed (a module counts once per level it was walked at).
    pub fn taint_summaries(&self) -> usize {
        self.taint.len()
    }

    /// How many modules were read for context, beyond the changed files.
    pub fn context_len(&self) -> usize {
        self.context
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    fn facts(&self, path: &str) -> Option<&Facts> {
        let m = self.modules.get(path)?;
        // Facts are small and kept; the tree is kept only where `with_parsed` would keep it.
        Some(
            m.facts
                .get_or_init(|| self.with_parsed(path, facts_of).unwrap_or_default()),
        )
    }

    /// The files `path`'s imports resolve to: the module, and for `from pkg import name` also `pkg/name` when it
    /// is a submodule; for Rust, the deepest module file of each `use` path.
    fn import_targets(&self, path: &str) -> Vec<String> {
        let Some(m) = self.modules.get(path) else {
            return Vec::new();
        };
        // Python: deciding what to read next needs no parse (a line scan finds the imports, and most modules read
        // for context are never asked about); the IR gives the exact bindings when a question reaches a module.
        if m.lang == Lang::Python {
            let mut out = Vec::new();
            let mut seen = HashSet::new();
            for (module, level, name) in quick_python_imports(&m.text) {
                let mut push = |p: Option<String>| {
                    if let Some(p) = p
                        && seen.insert(p.clone())
                    {
                        out.push(p);
                    }
                };
                push(self.paths.resolve(path, &module, level));
                if let Some(name) = &name {
                    push(self.paths.resolve(path, &join_module(&module, name), level));
                }
            }
            return out;
        }
        let Some(facts) = self.facts(path) else {
            return Vec::new();
        };
        let rust = m.lang == Lang::Rust;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut push = |p: Option<String>| {
            if let Some(p) = p
                && seen.insert(p.clone())
            {
                out.push(p);
            }
        };
        for imp in &facts.imports {
            if rust {
                let mut segs: Vec<&str> = split_rust(&imp.module);
                segs.extend(imp.name.as_deref());
                push(self.rust_module_of(path, &segs).map(|(file, _)| file));
                continue;
            }
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

    /// The imports of a module of the project.
    pub fn imports(&self, path: &str) -> &[Import] {
        self.facts(path).map_or(&[], |f| f.imports.as_slice())
    }

    /// The parsed module at `path`, parsed now if this is the first question about it.
    pub fn parsed(&self, path: &str) -> Option<&ParsedFile> {
        let m = self.modules.get(path)?;
        m.parsed
            // A module the parser refuses (nested too deep) gives no facts; the scan reports it where it is changed.
            .get_or_init(|| secreview_syntax::parse(m.lang, m.text.clone()).ok())
            .as_ref()
    }

    /// A set of names read off the module at `path` by `compute`, once per scan (the handlers its router chains
    /// register). One analysis owns the slot: it is computed by its first caller.
    pub fn memo_names(
        &self,
        path: &str,
        compute: impl FnOnce(&ParsedFile) -> HashSet<String>,
    ) -> Option<&HashSet<String>> {
        let m = self.modules.get(path)?;
        Some(
            m.names
                .get_or_init(|| self.with_parsed(path, compute).unwrap_or_default()),
        )
    }

    /// Calls `f` with the parsed module at `path`. A project of a few modules (the changed files' context)
    /// keeps the tree for later questions; a large one (`--all` on a large tree) parses a module not parsed yet
    /// just for this call, so trees do not pile up beyond what the scan's threads hold.
    pub fn with_parsed<R>(&self, path: &str, f: impl FnOnce(&ParsedFile) -> R) -> Option<R> {
        let m = self.modules.get(path)?;
        if !self.large || m.parsed.get().is_some() {
            return self.parsed(path).map(f);
        }
        let parsed = secreview_syntax::parse(m.lang, m.text.clone()).ok()?;
        Some(f(&parsed))
    }

    /// Where `local`, as bound by an import of the module at `importer`, is defined: (module path, name in that
    /// module). `deps.get_user` (with `from app.api import deps`) resolves to (`app/api/deps.py`, `get_user`);
    /// in Rust, `auth::require_user` (with `use crate::auth;`) to (`src/auth.rs`, `require_user`). A name the
    /// resolved module only re-exports is followed to the module that defines it.
    pub fn resolve_name(&self, importer: &str, local: &str) -> Option<(String, String)> {
        let found = self.resolve_once(importer, local)?;
        Some(self.follow_reexports(found))
    }

    /// A (module, name) followed to the module that defines the name, when the module only imports it.
    fn follow_reexports(&self, mut found: (String, String)) -> (String, String) {
        for _ in 0..MAX_REEXPORT_HOPS {
            let (module, symbol) = &found;
            let Some(facts) = self.facts(module) else {
                break;
            };
            if facts.defined.contains(symbol.as_str())
                || !facts.imports.iter().any(|i| i.glob || i.local == *symbol)
            {
                break;
            }
            match self.resolve_once(module, symbol) {
                Some(next) if next != found => found = next,
                _ => break,
            }
        }
        found
    }

    /// Where a dotted name as an import bound it (`helpers.utils.run`, `.services.Billing.charge` with the
    /// relative import's dots) is defined, as seen from `importer`: the longest prefix that is a module the
    /// project holds, and the rest, followed through re-exports (`app/services/__init__.py` importing
    /// `Billing` from `.billing`). Unlike [`Project::resolve_name`], this needs nothing of the importer but its
    /// path, so a scanned file is not parsed again to answer it.
    pub fn resolve_dotted(&self, importer: &str, dotted: &str) -> Option<(String, String)> {
        let level = dotted.chars().take_while(|c| *c == '.').count();
        let parts: Vec<&str> = dotted[level..].split('.').collect();
        let found = (1..parts.len()).rev().find_map(|cut| {
            let module = self
                .paths
                .resolve(importer, &parts[..cut].join("."), level)?;
            self.modules
                .contains_key(&module)
                .then(|| (module, parts[cut..].join(".")))
        })?;
        Some(self.follow_reexports(found))
    }

    fn resolve_once(&self, importer: &str, local: &str) -> Option<(String, String)> {
        if module_lang(importer) == Some(Lang::Rust) {
            return self.resolve_rust(importer, local);
        }
        let (head, rest) = match local.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (local, None),
        };
        let Some(imp) = self
            .imports(importer)
            .iter()
            .find(|i| i.local == head && !i.glob)
        else {
            return self.through_glob(importer, head, local);
        };
        let (module, symbol) = match (&imp.name, rest) {
            // `from pkg import mod` then `mod.f`: `f` in `pkg.mod`.
            (Some(name), Some(rest)) => {
                let (sub, sym) = split_last(rest);
                (join_module(&join_module(&imp.module, name), sub), sym)
            }
            (Some(name), None) => {
                // `from pkg import f` — `f` in `pkg`.
                let p = self.paths.resolve(importer, &imp.module, imp.level)?;
                return Some((p, name.clone()));
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

    /// A name no import binds by name, from a glob import whose module defines it (`from .models import *`,
    /// `pub use self::models::*;`).
    fn through_glob(&self, importer: &str, head: &str, local: &str) -> Option<(String, String)> {
        let rust = module_lang(importer) == Some(Lang::Rust);
        for imp in self.imports(importer).iter().filter(|i| i.glob) {
            let target = if rust {
                self.rust_module_of(importer, &split_rust(&imp.module))
                    .filter(|(_, rest)| rest.is_empty())
                    .map(|(file, _)| file)
            } else {
                self.paths.resolve(importer, &imp.module, imp.level)
            };
            if let Some(target) = target
                && self
                    .facts(&target)
                    .is_some_and(|f| f.defined.contains(head))
            {
                return Some((target, local.to_owned()));
            }
        }
        None
    }

    /// Rust: a local name (`User`, `auth::require_user`, `crate::auth::User`) to (file, item).
    fn resolve_rust(&self, importer: &str, local: &str) -> Option<(String, String)> {
        let segs: Vec<&str> = local
            .split("::")
            .flat_map(|s| s.split('.'))
            .filter(|s| !s.is_empty())
            .collect();
        let (&head, rest) = segs.split_first()?;
        let bound = self
            .imports(importer)
            .iter()
            .find(|i| i.local == head && !i.glob);
        let full: Vec<&str> = match bound {
            Some(imp) => {
                let mut full = split_rust(&imp.module);
                full.extend(imp.name.as_deref());
                full.extend(rest);
                full
            }
            None if matches!(head, "crate" | "self" | "super")
                || self.paths.crate_named(head).is_some()
                || !rest.is_empty() =>
            {
                segs.clone()
            }
            None => return self.through_glob(importer, head, local),
        };
        let (file, rest) = self.rust_module_of(importer, &full)?;
        if rest.is_empty() {
            return None; // a module, not an item in one
        }
        Some((file, rest.join("::")))
    }

    /// The deepest module file a Rust path reaches from `importer`, and the segments left after it.
    fn rust_module_of<'s>(
        &self,
        importer: &str,
        segs: &[&'s str],
    ) -> Option<(String, Vec<&'s str>)> {
        let here = rust_crate_of(importer)?;
        let (&first, after) = segs.split_first()?;
        // `relative`: a 2018-style path from the current module (`use models::Note;`), which must name a child
        // module to be ours at all.
        let (src, mut modpath, rest, relative): (String, Vec<String>, &[&str], bool) = match first {
            "crate" => (here.src.clone(), Vec::new(), after, false),
            "self" => (here.src.clone(), here.modpath.clone(), after, false),
            "super" => {
                let mut modpath = here.modpath.clone();
                modpath.pop()?;
                let mut rest = after;
                while let Some((&"super", more)) = rest.split_first() {
                    modpath.pop()?;
                    rest = more;
                }
                (here.src.clone(), modpath, rest, false)
            }
            _ => match self.paths.crate_named(first) {
                // A workspace crate by name (a child module of the same name wins, as in Rust).
                Some(src) if !self.has_child(importer, &here, first) => {
                    (src, Vec::new(), after, false)
                }
                _ => (here.src.clone(), here.modpath.clone(), segs, true),
            },
        };
        let mut file = self.paths.rust_module_file(&src, &modpath)?;
        let mut i = 0;
        while let Some(&seg) = rest.get(i) {
            let next = self.rust_child(&file, &src, &modpath, seg);
            let Some(next) = next else { break };
            file = next;
            modpath.push(seg.to_owned());
            i += 1;
        }
        // A relative path that names no child module is an external crate (`axum::Json`), not ours.
        if relative && i == 0 {
            return None;
        }
        Some((file, rest[i..].to_vec()))
    }

    fn has_child(&self, importer: &str, here: &RustCrate, name: &str) -> bool {
        self.rust_child(importer, &here.src, &here.modpath, name)
            .is_some()
    }

    /// The file of child module `seg` of the module at `file` (whose path in its crate is `modpath`): a
    /// `#[path]` on its `mod` declaration, else `<dir>/seg.rs` or `<dir>/seg/mod.rs`.
    fn rust_child(&self, file: &str, src: &str, modpath: &[String], seg: &str) -> Option<String> {
        if let Some(attr) = self.facts(file).and_then(|f| f.mod_paths.get(seg)) {
            let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
            let target = join_path(dir, attr);
            if self.paths.rust.contains(&target) {
                return Some(target);
            }
        }
        let mut child = modpath.to_vec();
        child.push(seg.to_owned());
        self.paths.rust_module_file(src, &child)
    }
}

fn split_rust(module: &str) -> Vec<&str> {
    module.split("::").filter(|s| !s.is_empty()).collect()
}

fn join_path(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_owned()
    } else {
        format!("{dir}/{rel}")
    }
}

/// The language of a module path, if the project reads it.
fn is_wiring(text: &str) -> bool {
    WIRING_MARKERS.iter().any(|m| text.contains(m))
}

#[allow(clippy::case_sensitive_file_extension_comparisons)]
fn module_lang(path: &str) -> Option<Lang> {
    if is_python(path) {
        Some(Lang::Python)
    } else if path.ends_with(".rs") {
        Some(Lang::Rust)
    } else {
        None
    }
}

/// A module's imports and top-level definitions, from its IR.
fn facts_of(parsed: &ParsedFile) -> Facts {
    let module = ir::lower(parsed);
    let mut facts = Facts {
        imports: module
            .imports
            .iter()
            .map(|i| import_of(module.lang, i))
            .collect(),
        ..Facts::default()
    };
    for s in &module.body {
        match &s.kind {
            StmtKind::FunctionDef(f) => {
                facts.defined.insert(f.name.to_owned());
            }
            StmtKind::ClassDef(c) if c.kind != ir::ClassKind::Impl => {
                facts.defined.insert(c.name.to_owned());
            }
            StmtKind::Assign(a) => {
                for t in &a.targets {
                    if let ExprKind::Name(n) = t.kind {
                        facts.defined.insert(n.to_owned());
                    }
                }
            }
            StmtKind::Mod(m) => {
                facts.defined.insert(m.name.to_owned());
                if let Some(p) = m.path_attr {
                    facts.mod_paths.insert(m.name.to_owned(), p.to_owned());
                }
            }
            _ => {}
        }
    }
    facts
}

fn import_of(lang: Lang, i: &ir::Import<'_>) -> Import {
    let sep = if lang == Lang::Python { "." } else { "::" };
    let module = i.path.join(sep);
    if i.glob {
        return Import {
            local: "*".to_owned(),
            module,
            level: i.level as usize,
            name: None,
            glob: true,
        };
    }
    match (lang, i.name) {
        // `import a.b` binds `a`; `a.b.f` then resolves through the dotted rest. `import a.b as m` binds `m`
        // to `a.b`.
        (Lang::Python, None) => Import {
            local: i.local().unwrap_or_default().to_owned(),
            module: if i.alias.is_some() {
                module
            } else {
                i.path.first().copied().unwrap_or_default().to_owned()
            },
            level: 0,
            name: None,
            glob: false,
        },
        (_, name) => Import {
            local: i.local().unwrap_or_default().to_owned(),
            module,
            level: i.level as usize,
            name: name.map(str::to_owned),
            glob: false,
        },
    }
}

/// The import bindings of a Python module, from its text (as the project reads them).
pub fn python_imports(text: &str) -> Vec<Import> {
    imports_of(Lang::Python, text)
}

/// The import bindings of a module in `lang`, from its text.
pub fn imports_of(lang: Lang, text: &str) -> Vec<Import> {
    match secreview_syntax::parse(lang, text.to_owned()) {
        Ok(p) => facts_of(&p).imports,
        Err(_) => Vec::new(),
    }
}

/// The modules a Python module imports, as (module, level, name), from its text: what the project view reads
/// next. Line-based on purpose: imports are simple statements,
/// this runs before anything is parsed (to decide what to read), and a string that happens to start with
/// `import` only costs a wasted lookup.
fn quick_python_imports(text: &str) -> Vec<(String, usize, Option<String>)> {
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
                if item == "*" {
                    // `from .base import *`: the module itself re-exports into this one.
                    out.push((module.clone(), level, None));
                    continue;
                }
                if item.is_empty() {
                    continue;
                }
                let (name, local) = match item.split_once(" as ") {
                    Some((n, l)) => (n.trim(), l.trim()),
                    None => (item, item),
                };
                if is_identifier(name) && is_identifier(local) {
                    out.push((module.clone(), level, Some(name.to_owned())));
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
                    out.push((bound, 0, None));
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

/// Where a Rust file sits: its crate's `src/` directory and its module path in that crate.
struct RustCrate {
    src: String,
    modpath: Vec<String>,
}

/// Python file paths by module name (the file stem, or the package directory for `__init__.py`), to resolve a
/// dotted module without knowing the source root (`src/`, `backend/`, the repository root); Rust files and the
/// workspace's crates.
#[derive(Default)]
struct PathIndex {
    by_name: HashMap<String, Vec<String>>,
    rust: HashSet<String>,
    /// Package directories (`""` for the root) that have a `Cargo.toml`.
    manifests: Vec<String>,
    /// Crate name (dashes as underscores) → its `src/` directory.
    crates: HashMap<String, String>,
    /// How many Python and Rust files the tree has.
    module_count: usize,
    /// Every Python file, for the wiring files looked up by path.
    python: HashSet<String>,
    /// Settings module candidates (see [`is_settings_path`]), shallowest first, at most [`MAX_SETTINGS`].
    settings: Vec<String>,
}

impl PathIndex {
    fn contains(&self, path: &str) -> bool {
        self.python.contains(path)
    }

    fn new(paths: impl IntoIterator<Item = String>) -> PathIndex {
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        let mut rust = HashSet::new();
        let mut manifests = Vec::new();
        for p in paths {
            if p == "Cargo.toml" || p.ends_with("/Cargo.toml") {
                manifests.push(
                    p.trim_end_matches("Cargo.toml")
                        .trim_end_matches('/')
                        .to_owned(),
                );
                continue;
            }
            if module_lang(&p) == Some(Lang::Rust) {
                rust.insert(p);
                continue;
            }
            if !is_python(&p) {
                continue;
            }
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
        manifests.sort();
        let module_count = by_name.values().map(Vec::len).sum::<usize>() + rust.len();
        let python: HashSet<String> = by_name.values().flatten().cloned().collect();
        let mut settings: Vec<String> = python
            .iter()
            .filter(|p| is_settings_path(p))
            .cloned()
            .collect();
        settings.sort_by(|a, b| (a.matches('/').count(), a).cmp(&(b.matches('/').count(), b)));
        settings.truncate(MAX_SETTINGS);
        let mut index = PathIndex {
            by_name,
            rust,
            manifests,
            crates: HashMap::new(),
            module_count,
            python,
            settings,
        };
        index.default_crate_names();
        index
    }

    /// Every package directory with a `src/lib.rs` or `src/main.rs` is a crate, named after its directory
    /// until its manifest says otherwise (the manifest may not be readable, and `--all` passes no manifests).
    fn default_crate_names(&mut self) {
        let mut roots: Vec<String> = self
            .rust
            .iter()
            .filter_map(|p| {
                p.strip_suffix("src/lib.rs")
                    .or_else(|| p.strip_suffix("src/main.rs"))
            })
            .filter(|dir| dir.is_empty() || dir.ends_with('/'))
            .map(|dir| dir.trim_end_matches('/').to_owned())
            .collect();
        roots.sort();
        roots.dedup();
        for dir in roots {
            let name = dir.rsplit('/').next().unwrap_or(&dir).replace('-', "_");
            if !name.is_empty() {
                self.crates.entry(name).or_insert_with(|| src_of(&dir));
            }
        }
    }

    /// Reads each package's `[package] name` (dashes become underscores, as in Rust paths).
    fn read_crate_names(&mut self, read: &mut impl FnMut(&str) -> Option<String>) {
        for dir in self.manifests.iter().take(MAX_MANIFESTS) {
            let Some(text) = read(&join_path(dir, "Cargo.toml")) else {
                continue;
            };
            if let Some(name) = package_name(&text) {
                let src = src_of(dir);
                // The directory-named default for this package no longer applies.
                self.crates.retain(|_, s| *s != src);
                self.crates.insert(name.replace('-', "_"), src);
            }
        }
    }

    fn crate_named(&self, name: &str) -> Option<String> {
        self.crates.get(name).cloned()
    }

    /// The file of module `modpath` of the crate at `src`: the crate root, `a/b.rs` or `a/b/mod.rs`.
    fn rust_module_file(&self, src: &str, modpath: &[String]) -> Option<String> {
        let candidates = if modpath.is_empty() {
            vec![join_path(src, "lib.rs"), join_path(src, "main.rs")]
        } else {
            let base = join_path(src, &modpath.join("/"));
            vec![format!("{base}.rs"), format!("{base}/mod.rs")]
        };
        candidates.into_iter().find(|c| self.rust.contains(c))
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

/// The crate and module path of a Rust file: `crates/api/src/routes/notes.rs` is `routes::notes` of the
/// crate at `crates/api/src`; `…/mod.rs`, `lib.rs` and `main.rs` name their directory's module.
fn rust_crate_of(file: &str) -> Option<RustCrate> {
    let (src, rel) = match file.rfind("/src/") {
        Some(at) => (&file[..at + 4], &file[at + 5..]),
        None => ("src", file.strip_prefix("src/")?),
    };
    let rel = rel.strip_suffix(".rs")?;
    let mut modpath: Vec<String> = rel.split('/').map(str::to_owned).collect();
    if modpath.len() == 1 && matches!(rel, "lib" | "main") {
        modpath.clear();
    } else if modpath.last().is_some_and(|l| l == "mod") {
        modpath.pop();
    }
    Some(RustCrate {
        src: src.to_owned(),
        modpath,
    })
}

fn src_of(package_dir: &str) -> String {
    join_path(package_dir, "src")
}

/// `name = "…"` in a manifest's `[package]` table (a line reader: the manifest is not otherwise needed, and a
/// workspace-inherited or missing name keeps the directory default).
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == "name" {
            let value = value.split('#').next().unwrap_or("").trim();
            let name = value.trim_matches(|c| c == '"' || c == '\'');
            return (!name.is_empty() && name.len() + 2 == value.len()).then(|| name.to_owned());
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn imp(local: &str, module: &str, level: usize, name: Option<&str>) -> Import {
        Import {
            local: local.into(),
            module: module.into(),
            level,
            name: name.map(Into::into),
            glob: false,
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

    /// Real files in a temp dir: the project sees the tree's paths and reads from disk, as a scan does.
    struct Tree {
        dir: tempfile::TempDir,
        paths: Vec<String>,
    }

    fn tree(files: &[(&str, &str)]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let mut paths: Vec<String> = files.iter().map(|(p, _)| (*p).to_owned()).collect();
        paths.sort();
        Tree { dir, paths }
    }

    impl Tree {
        /// The project of `changed` (read from disk like the others), and the paths it read.
        fn project(&self, changed: &[&str]) -> (Project, Vec<String>) {
            let changed: Vec<ChangedFile> = changed
                .iter()
                .map(|p| {
                    let text = std::fs::read_to_string(self.dir.path().join(p)).unwrap();
                    ChangedFile::whole(*p, text)
                })
                .collect();
            let mut reads = Vec::new();
            let project = Project::build(&changed, self.paths.clone(), |p| {
                reads.push(p.to_owned());
                std::fs::read_to_string(self.dir.path().join(p)).ok()
            });
            reads.sort();
            (project, reads)
        }
    }

    #[allow(clippy::unnecessary_wraps)] // compared with `resolve_name`'s answer
    fn at(path: &str, symbol: &str) -> Option<(String, String)> {
        Some((path.to_owned(), symbol.to_owned()))
    }

    #[test]
    fn parenthesized_multi_line_imports_resolve() {
        let t = tree(&[
            (
                "app/routes.py",
                "from app.core.security import (\n    get_user as gu,\n    Role,  # kept\n)\n",
            ),
            (
                "app/core/security.py",
                "def get_user():\n    pass\nclass Role:\n    pass\n",
            ),
        ]);
        let (p, reads) = t.project(&["app/routes.py"]);
        assert_eq!(reads, ["app/core/security.py"]);
        assert_eq!(
            p.resolve_name("app/routes.py", "gu"),
            at("app/core/security.py", "get_user")
        );
        assert_eq!(
            p.resolve_name("app/routes.py", "Role"),
            at("app/core/security.py", "Role")
        );
    }

    #[test]
    fn a_package_init_re_export_resolves_to_the_defining_module() {
        let t = tree(&[
            (
                "app/routes.py",
                "from app.models import Rating\nimport app.models\n",
            ),
            (
                "app/models/__init__.py",
                "from .rating import Rating\nfrom .base import *\n",
            ),
            (
                "app/models/rating.py",
                "class Rating(Base):\n    owner_id = 1\n",
            ),
            ("app/models/base.py", "class Base:\n    pass\n"),
        ]);
        let (p, _) = t.project(&["app/routes.py"]);
        assert_eq!(
            p.resolve_name("app/routes.py", "Rating"),
            at("app/models/rating.py", "Rating")
        );
        assert_eq!(
            p.resolve_name("app/routes.py", "app.models.Rating"),
            at("app/models/rating.py", "Rating")
        );
        // A glob re-export resolves to the module that defines the name.
        assert_eq!(
            p.resolve_name("app/models/__init__.py", "Base"),
            at("app/models/base.py", "Base")
        );
    }

    #[test]
    fn a_name_defined_next_to_its_import_is_not_followed() {
        let t = tree(&[
            ("app/routes.py", "from app.deps import get_db\n"),
            (
                "app/deps.py",
                "from app.db import get_db as _g\nfrom app.db import Session\ndef get_db():\n    return _g()\n",
            ),
            ("app/db.py", "def get_db():\n    pass\n"),
        ]);
        let (p, _) = t.project(&["app/routes.py"]);
        assert_eq!(
            p.resolve_name("app/routes.py", "get_db"),
            at("app/deps.py", "get_db")
        );
        assert_eq!(
            p.resolve_name("app/deps.py", "Session"),
            at("app/db.py", "Session")
        );
    }

    const LIB: &str = "mod auth;\npub mod api;\nmod models;\nuse models::Note;\n#[path = \"gen/schema_gen.rs\"]\nmod schema;\n";

    fn crate_tree() -> Tree {
        tree(&[
            ("Cargo.toml", "[package]\nname = \"notes-app\"\n"),
            ("src/lib.rs", LIB),
            (
                "src/auth.rs",
                "pub struct AuthUser;\npub fn require_user() {}\n",
            ),
            ("src/models.rs", "pub struct Note;\n"),
            ("src/gen/schema_gen.rs", "pub struct Table;\n"),
            (
                "src/api/mod.rs",
                "mod notes;\nmod guard;\nuse self::guard::check;\n",
            ),
            (
                "src/api/guard.rs",
                "pub fn check() {}\npub fn require_admin() {}\n",
            ),
            (
                "src/api/notes.rs",
                "use crate::auth::{self, AuthUser as User};\nuse super::guard::require_admin;\n\
                 use crate::schema::Table;\nuse axum::Json;\nuse crate::models::*;\n",
            ),
        ])
    }

    #[test]
    fn rust_crate_paths_resolve_by_the_mod_file_rules() {
        let t = crate_tree();
        let (p, reads) = t.project(&["src/api/notes.rs"]);
        let notes = "src/api/notes.rs";
        // `crate::auth` is `src/auth.rs`; the alias binds the item.
        assert_eq!(p.resolve_name(notes, "User"), at("src/auth.rs", "AuthUser"));
        // `use crate::auth;` binds the module: `auth::require_user` is an item in it.
        assert_eq!(
            p.resolve_name(notes, "auth::require_user"),
            at("src/auth.rs", "require_user")
        );
        // `super::` from `src/api/notes.rs` is the `api` module, `src/api/mod.rs`'s directory.
        assert_eq!(
            p.resolve_name(notes, "require_admin"),
            at("src/api/guard.rs", "require_admin")
        );
        // `#[path]` on the declaring `mod` wins over `schema.rs`.
        assert_eq!(
            p.resolve_name(notes, "Table"),
            at("src/gen/schema_gen.rs", "Table")
        );
        // A full path needs no import; a crate outside the workspace resolves to nothing.
        assert_eq!(
            p.resolve_name(notes, "crate::auth::AuthUser"),
            at("src/auth.rs", "AuthUser")
        );
        assert_eq!(p.resolve_name(notes, "Json"), None);
        assert_eq!(
            p.resolve_name(notes, "auth"),
            None,
            "a module is not an item"
        );
        assert!(reads.contains(&"src/auth.rs".to_owned()), "{reads:?}");
        assert!(reads.contains(&"src/api/guard.rs".to_owned()), "{reads:?}");
        assert!(reads.contains(&"Cargo.toml".to_owned()), "{reads:?}");
    }

    #[test]
    fn rust_self_and_2018_relative_paths_resolve_from_the_current_module() {
        let t = crate_tree();
        let (p, _) = t.project(&["src/api/mod.rs", "src/lib.rs"]);
        assert_eq!(
            p.resolve_name("src/api/mod.rs", "check"),
            at("src/api/guard.rs", "check")
        );
        assert_eq!(
            p.resolve_name("src/lib.rs", "Note"),
            at("src/models.rs", "Note")
        );
        assert_eq!(
            p.resolve_name("src/lib.rs", "api::guard::check"),
            at("src/api/guard.rs", "check")
        );
    }

    #[test]
    fn rust_super_from_a_non_mod_file_and_past_the_root() {
        let t = tree(&[
            ("src/main.rs", "mod api;\n"),
            ("src/api.rs", "mod notes;\npub fn guard() {}\n"),
            (
                "src/api/notes.rs",
                "use super::guard;\nuse super::super::api::guard as g;\n",
            ),
        ]);
        let (p, _) = t.project(&["src/api/notes.rs"]);
        assert_eq!(
            p.resolve_name("src/api/notes.rs", "guard"),
            at("src/api.rs", "guard")
        );
        assert_eq!(
            p.resolve_name("src/api/notes.rs", "g"),
            at("src/api.rs", "guard")
        );
        assert_eq!(p.resolve_name("src/main.rs", "super::x"), None);
    }

    #[test]
    fn rust_workspace_crates_resolve_by_package_name_through_pub_use() {
        let t = tree(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
            (
                "crates/authn/Cargo.toml",
                "[package]\nname = \"acme-auth\"\nversion = \"0.1.0\"\n",
            ),
            (
                "crates/authn/src/lib.rs",
                "mod extract;\npub use extract::AuthUser;\npub use extract::*;\n",
            ),
            (
                "crates/authn/src/extract.rs",
                "pub struct AuthUser;\npub fn require_admin() {}\n",
            ),
            ("crates/api/Cargo.toml", "[package]\nname = \"api\"\n"),
            (
                "crates/api/src/main.rs",
                "use acme_auth::AuthUser;\nuse acme_auth as auth;\nextern crate acme_auth as a2;\n",
            ),
        ]);
        let (p, reads) = t.project(&["crates/api/src/main.rs"]);
        let main = "crates/api/src/main.rs";
        assert_eq!(
            p.resolve_name(main, "AuthUser"),
            at("crates/authn/src/extract.rs", "AuthUser")
        );
        // A glob re-export in the library root.
        assert_eq!(
            p.resolve_name(main, "acme_auth::require_admin"),
            at("crates/authn/src/extract.rs", "require_admin")
        );
        assert_eq!(
            p.resolve_name(main, "auth::AuthUser"),
            at("crates/authn/src/extract.rs", "AuthUser")
        );
        assert_eq!(
            p.resolve_name(main, "a2::AuthUser"),
            at("crates/authn/src/extract.rs", "AuthUser")
        );
        // The directory name is not the crate name once the manifest is read.
        assert_eq!(p.resolve_name(main, "authn::AuthUser"), None);
        assert!(
            reads.contains(&"crates/authn/src/lib.rs".to_owned()),
            "{reads:?}"
        );
    }

    #[test]
    fn rust_crates_without_readable_manifests_are_named_after_their_directory() {
        let t = tree(&[
            ("crates/my-auth/src/lib.rs", "pub fn require_user() {}\n"),
            ("crates/api/src/main.rs", "use my_auth::require_user;\n"),
        ]);
        // `--all`: every file is a changed file, nothing else is read.
        let changed: Vec<ChangedFile> = t
            .paths
            .iter()
            .map(|p| ChangedFile::whole(p, std::fs::read_to_string(t.dir.path().join(p)).unwrap()))
            .collect();
        let p = Project::build(&changed, t.paths.clone(), |_| None);
        assert_eq!(
            p.resolve_name("crates/api/src/main.rs", "require_user"),
            at("crates/my-auth/src/lib.rs", "require_user")
        );
    }

    #[test]
    fn rust_imports_flatten_use_trees() {
        let imports = imports_of(
            Lang::Rust,
            "use crate::{a::{self as x, B}, c::*};\npub use super::d::E as F;\n",
        );
        let got: Vec<(&str, &str, Option<&str>, bool)> = imports
            .iter()
            .map(|i| {
                (
                    i.local.as_str(),
                    i.module.as_str(),
                    i.name.as_deref(),
                    i.glob,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("x", "crate", Some("a"), false),
                ("B", "crate::a", Some("B"), false),
                ("*", "crate::c", None, true),
                ("F", "super::d", Some("E"), false),
            ]
        );
    }

    #[test]
    fn manifest_package_names_are_read_from_the_package_table() {
        assert_eq!(
            package_name("[workspace]\nname = \"no\"\n[package]\nname = \"my-app\" # x\n")
                .as_deref(),
            Some("my-app")
        );
        assert_eq!(package_name("[package]\nname.workspace = true\n"), None);
        assert_eq!(package_name("[dependencies]\nname = \"x\"\n"), None);
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
