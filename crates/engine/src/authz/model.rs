//! The route model the authorization rules reason about: one [`Route`] per handler, with the evidence found in
//! and around it. The language front-ends (`python.rs`, `rust.rs`) fill it; the rules in `mod.rs` only read it.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use secreview_rules::data::AuthzNames;

/// A check an `or` (or, in a rejecting `if`, an `and`) lets another condition bypass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loosened {
    /// The boolean operator, with the bypass in the note.
    pub at: Ev,
    /// The `if` rejects (raises, aborts) when its condition holds, rather than granting.
    pub rejecting: bool,
    /// The lines of the `if`'s body.
    pub body: (u32, u32),
}

/// A place in the file and what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ev {
    pub line: u32,
    pub col: u32,
    pub note: String,
    /// For a fact proven in another file (an imported dependency): where, as (path, line, col). `line`/`col`
    /// stay the use site in this file, so diff comparisons (was this guard removed?) read this file's lines.
    pub origin: Option<(String, u32, u32)>,
}

impl Ev {
    pub fn new(line: u32, col: u32, note: impl Into<String>) -> Self {
        Ev {
            line,
            col,
            note: note.into(),
            origin: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framework {
    FastApi,
    Flask,
    Django,
    Drf,
    Axum,
    Actix,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::FastApi => "FastAPI",
            Framework::Flask => "Flask",
            Framework::Django => "Django",
            Framework::Drf => "Django REST framework",
            Framework::Axum => "axum",
            Framework::Actix => "actix-web",
        }
    }

    /// The framework's usual way to check ownership, for recommendations.
    pub fn ownership_fix(self) -> &'static str {
        match self {
            Framework::FastApi => {
                "compare the owner with the authenticated user (`if obj.user_id != current_user.id: raise \
                 HTTPException(status_code=404)`), or load it with a user-scoped query \
                 (`select(Model).where(Model.id == obj_id, Model.user_id == current_user.id)`)"
            }
            Framework::Flask => {
                "load it scoped to the user (`Model.query.filter_by(id=obj_id, user_id=current_user.id).first_or_404()`) \
                 or `abort(403)` when `obj.user_id != current_user.id`"
            }
            Framework::Django | Framework::Drf => {
                "scope the lookup to the user (`get_object_or_404(Model, pk=pk, owner=request.user)`, or \
                 `get_queryset()` filtered by `self.request.user`), or add an object-level permission"
            }
            Framework::Axum | Framework::Actix => {
                "scope the query to the authenticated user (`… WHERE id = $1 AND user_id = $2` bound to the \
                 extractor's user id) and return 404 when no row matches"
            }
        }
    }
}

/// An object read or written by a client-supplied key.
#[derive(Debug, Clone)]
pub(crate) struct Lookup {
    pub ev: Ev,
    /// The client-controlled parameter that selects the object.
    pub key: String,
    /// The variable the loaded object is bound to, if any.
    pub var: Option<String>,
    /// The lookup call itself changes state (`service.delete(id)`, `DELETE … WHERE id = $1`).
    pub mutating: bool,
    /// The lookup yields one record (`get`, `first`, `one`, `fetch_one`), not a collection.
    pub single: bool,
    /// What the data model says about the record's owner, when its model class was found: evidence that it
    /// is owned (`owner_id` on `Document`, in `app/models.py`) or that it has no owner at all.
    pub owner: Option<Owner>,
    /// Where a service or repository in another module performs the load, when the call was followed there.
    pub via: Option<Ev>,
    /// The call that loads the record is also given the caller (`svc.delete(id, current_user)`), and its code
    /// is out of sight (a library, or a layer the front-end cannot resolve): it may well scope by the caller.
    pub delegated_caller: bool,
    /// The lookup goes through the view's own `get_queryset()` / `get_object()`, so a class-level scoping of those
    /// applies to it.
    pub through_view: bool,
}

/// Whether a model has an owner, with the evidence for it.
#[derive(Debug, Clone)]
pub(crate) enum Owner {
    /// The model relates to the principal: an owner field or a foreign key to the user model.
    Owned(Ev),
    /// The model's fields were all seen and none relates to a principal: a catalogue or shared record.
    Unowned,
}

/// How much a permission or role argument grants, from its words: `superuser` and `owner` above `admin`, above
/// `staff` / `manager`, above `editor` / Django's `delete_…`, above `member` / `change_…` / `add_…`, above
/// `viewer` / `view_…`. `None` when no word is known: such arguments are not compared.
pub(crate) fn privilege_rank(arg: &str) -> Option<u8> {
    const RANKS: &[(&[&str], u8)] = &[
        (&["superuser", "superadmin", "root", "owner", "owners"], 6),
        (&["admin", "admins", "administrator", "administrators"], 5),
        (
            &["manager", "maintainer", "moderator", "staff", "supervisor"],
            4,
        ),
        (
            &[
                "editor",
                "writer",
                "write",
                "contributor",
                "developer",
                "delete",
            ],
            3,
        ),
        (
            &[
                "member", "members", "user", "users", "change", "update", "edit", "add", "create",
            ],
            2,
        ),
        (
            &[
                "viewer",
                "view",
                "read",
                "reader",
                "guest",
                "readonly",
                "anonymous",
                "public",
            ],
            1,
        ),
    ];
    arg.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter_map(|w| {
            let w = w.to_ascii_lowercase();
            RANKS
                .iter()
                .find(|(words, _)| words.contains(&w.as_str()))
                .map(|(_, r)| *r)
        })
        .max()
}

/// Statement text that loads a single record.
pub(crate) fn loads_one(stmt: &str) -> bool {
    [
        ".get(",
        "get_or_404",
        "first_or_404",
        ".first()",
        ".one()",
        "one_or_none",
        "scalar_one",
        ".scalar(",
        "fetch_one",
        "fetch_optional",
        "get_object_or_404",
        ".find(",
        "find_one",
        "get_by_id",
        ".get_",
    ]
    .iter()
    .any(|m| stmt.contains(m))
}

#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub name: String,
    pub framework: Framework,
    /// Uppercase HTTP methods; empty when unknown.
    pub methods: Vec<String>,
    pub path: Option<String>,
    pub def: Ev,
    /// Routes in the same group (router object, blueprint, class) are siblings.
    pub group: String,
    /// A method of a class-based view: its class-level guards are shared with the other methods.
    pub class_based: bool,
    /// The view class has a project base class whose guards (and queryset scoping) this file cannot see.
    pub inherits_unknown: bool,
    /// Declared authentication: dependencies, decorators, mixins, permission classes, extractors, router guards.
    pub auth: Vec<Ev>,
    /// Authentication checked in the handler's body (`if not current_user.is_authenticated: abort(401)`).
    pub body_auth: Vec<Ev>,
    pub ownership: Vec<Ev>,
    pub privilege: Vec<Ev>,
    pub lookups: Vec<Lookup>,
    /// State changes of a looked-up object (or by key).
    pub mutations: Vec<Ev>,
    /// Any state change in the handler at all (create, commit …).
    pub writes: bool,
    /// Request-supplied user ids used as owner or for an authorization decision.
    pub request_user_ids: Vec<Ev>,
    pub mass_assignment: Vec<Ev>,
    /// `@csrf_exempt` on the view.
    pub csrf_exempt: Option<Ev>,
    /// `permission_classes` that let everyone in (`AllowAny`, `[]`).
    pub allow_any: Option<Ev>,
    /// `permission_classes` of the route, as written (DRF), for comparisons with the base.
    pub permission_classes: Option<Ev>,
    /// The arguments of the route's privilege decorators and dependencies (`@permission_required("app.delete_x")`,
    /// `Depends(require_role("admin"))`): the callee, with the argument text as the note.
    pub privilege_args: Vec<(String, Ev)>,
    /// Checks an `or` (or, in a rejecting `if`, an `and`) lets a non-check condition bypass:
    /// `if note.owner_id == user.id or note.is_public:`.
    pub loosened: Vec<Loosened>,
    /// The project's `DEFAULT_PERMISSION_CLASSES` apply (a DRF view without its own), with where they are set:
    /// the view's protection is known, whatever it is.
    pub default_permissions: Option<Ev>,
    /// The path carries an unguessable key (`{client_secret}`): knowing it is the authorization.
    pub capability: Option<Ev>,
    /// An auth decorator placed above the route decorator (`@login_required` over `@app.route`): it wraps the
    /// function after the framework registered it, so it protects nothing.
    pub misordered: Option<Ev>,
    /// The body verifies a signature (`hmac.compare_digest`, `unsign`): a signed webhook or link, public by design.
    pub signed: Option<Ev>,
    /// The body branches on whether first-run setup is done (`if not config.is_setup():`): an install wizard,
    /// public by design until the application is set up.
    pub first_run: Option<Ev>,
    /// `get_queryset()` / `get_object()` of the view class scoped to the requesting user.
    pub class_scope: Option<Ev>,
}

impl Route {
    pub fn new(name: String, framework: Framework, def: Ev, group: String) -> Self {
        Route {
            name,
            framework,
            methods: Vec::new(),
            path: None,
            def,
            group,
            class_based: false,
            inherits_unknown: false,
            auth: Vec::new(),
            body_auth: Vec::new(),
            ownership: Vec::new(),
            privilege: Vec::new(),
            lookups: Vec::new(),
            mutations: Vec::new(),
            writes: false,
            request_user_ids: Vec::new(),
            mass_assignment: Vec::new(),
            csrf_exempt: None,
            allow_any: None,
            permission_classes: None,
            default_permissions: None,
            privilege_args: Vec::new(),
            loosened: Vec::new(),
            capability: None,
            misordered: None,
            signed: None,
            first_run: None,
            class_scope: None,
        }
    }

    /// True for methods that change state, or (methods unknown) a body that writes.
    pub fn mutates(&self) -> bool {
        if self.methods.is_empty() {
            return self.writes || !self.mutations.is_empty();
        }
        self.methods
            .iter()
            .any(|m| matches!(m.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"))
    }

    /// An endpoint for one object (`/ratings/{rating_id}`), not a collection (`/courses/{course_id}/ratings`).
    pub fn is_object_endpoint(&self) -> bool {
        self.path.as_deref().is_none_or(|p| {
            let last = p.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            last.starts_with('{') || last.starts_with('<') || last.starts_with(':')
        })
    }

    pub fn describe(&self) -> String {
        let methods = if self.methods.is_empty() {
            String::new()
        } else {
            format!("{} ", self.methods.join("/"))
        };
        match &self.path {
            Some(p) => format!("`{}` ({methods}{p})", self.name),
            None if methods.is_empty() => format!("`{}`", self.name),
            None => format!("`{}` ({})", self.name, methods.trim()),
        }
    }

    pub fn is_authenticated(&self) -> bool {
        // A role check on the caller needs a caller: it authenticates as well.
        !self.auth.is_empty() || !self.body_auth.is_empty() || !self.privilege.is_empty()
    }

    pub fn is_checked(&self) -> bool {
        !self.ownership.is_empty()
            || !self.privilege.is_empty()
            || self.class_scope.is_some() && self.lookups.iter().all(|l| l.through_view)
    }
}

/// The names the analysis recognises, lowercased once.
#[allow(clippy::struct_field_names)] // the fields mirror `rules/authz/_frameworks.toml` keys
pub(crate) struct Names {
    auth_markers: Markers,
    pub auth_names: Vec<String>,
    privilege_markers: Markers,
    not_privilege_markers: Markers,
    pub owner_fields: Vec<String>,
    principal_markers: Markers,
    pub public_route_words: Vec<String>,
    pub first_run_checks: Vec<String>,
    pub allow_all_names: Vec<String>,
    pub lookup_calls: Vec<String>,
    pub mutation_calls: Vec<String>,
    pub privileged_fields: Vec<String>,
}

fn lower(v: &[String]) -> Vec<String> {
    v.iter().map(|s| s.to_ascii_lowercase()).collect()
}

/// Case-insensitive substring search over a list of markers, compiled once: these checks run on every call,
/// decorator and comparison node of every handler, so they must not allocate a lowercase copy per test.
struct Markers(Option<AhoCorasick>);

impl Markers {
    fn new(words: &[String]) -> Self {
        let words: Vec<&String> = words.iter().filter(|w| !w.is_empty()).collect();
        Markers(
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(&words)
                .ok()
                .filter(|_| !words.is_empty()),
        )
    }

    fn any_in(&self, text: &str) -> bool {
        self.0.as_ref().is_some_and(|ac| ac.is_match(text))
    }

    /// `text` with every marker replaced by spaces, or `None` when it holds none.
    fn blanked(&self, text: &str) -> Option<String> {
        let ac = self.0.as_ref()?;
        if !ac.is_match(text) {
            return None;
        }
        let mut out = text.to_owned();
        for m in ac.find_iter(text) {
            out.replace_range(m.range(), &" ".repeat(m.len()));
        }
        Some(out)
    }
}

impl std::fmt::Debug for Markers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Markers")
    }
}

/// The last `.`/`::` segment of a dotted name.
fn short_name(name: &str) -> &str {
    name.rsplit(['.', ':']).next().unwrap_or(name)
}

impl Names {
    pub fn new(n: &AuthzNames) -> Self {
        Names {
            auth_markers: Markers::new(&n.auth_markers),
            auth_names: lower(&n.auth_names),
            privilege_markers: Markers::new(&n.privilege_markers),
            not_privilege_markers: Markers::new(&n.not_privilege_markers),
            owner_fields: lower(&n.owner_fields),
            principal_markers: Markers::new(&n.principal_markers),
            public_route_words: lower(&n.public_route_words),
            first_run_checks: lower(&n.first_run_checks),
            allow_all_names: n.allow_all_names.clone(),
            lookup_calls: lower(&n.lookup_calls),
            mutation_calls: lower(&n.mutation_calls),
            privileged_fields: lower(&n.privileged_fields),
        }
    }

    /// A dependency, decorator, extractor or call name that authenticates. Optional authentication
    /// (`MaybeAuthUser`, `get_optional_user`, `Option<AuthUser>`, `current_user(optional=True)`) lets anonymous
    /// callers through, so it does not count.
    pub fn is_auth(&self, name: &str) -> bool {
        if is_optional_auth(name) {
            return false;
        }
        let short = short_name(name);
        self.auth_names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(short) || n.eq_ignore_ascii_case(name))
            || self.auth_markers.any_in(name)
    }

    pub fn is_privilege(&self, text: &str) -> bool {
        if !self.privilege_markers.any_in(text) {
            return false;
        }
        // `client.authorize_redirect(…)` holds `authorize`: look again with the look-alikes blanked out.
        match self.not_privilege_markers.blanked(text) {
            Some(rest) => self.privilege_markers.any_in(&rest),
            None => true,
        }
    }

    /// `name` is an owner field (`user_id`, `owner`, `author_id` …).
    pub fn is_owner_field(&self, name: &str) -> bool {
        self.owner_fields
            .iter()
            .any(|f| f.eq_ignore_ascii_case(name))
    }

    /// Text mentions an owner field as an attribute, keyword, column or dict key.
    pub fn mentions_owner_field(&self, text: &str) -> bool {
        let l = text.to_ascii_lowercase();
        self.owner_fields.iter().any(|f| contains_word(&l, f))
    }

    pub fn mentions_principal(&self, text: &str) -> bool {
        self.principal_markers.any_in(text)
    }

    /// A call asking whether first-run setup is done: `config.is_setup()`, `is_installed()`.
    pub fn is_first_run_check(&self, callee: &str) -> bool {
        let name = short_name(callee);
        self.first_run_checks
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name))
    }

    /// Whole words of the handler name or the path (`shipping` is not `ping`, `auth/token` is `token`).
    pub fn is_public_route(&self, route: &Route) -> bool {
        // `ForgotPassword.post` → ` forgot password post `: CamelCase, snake_case and paths split into words.
        let words = |s: &str| {
            let mut w = String::with_capacity(s.len() + 8);
            let mut prev_lower = false;
            for c in s.chars() {
                if c.is_ascii_uppercase() && prev_lower {
                    w.push(' ');
                }
                prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
                w.push(if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    ' '
                });
            }
            format!(" {} ", w.split_whitespace().collect::<Vec<_>>().join(" "))
        };
        let mut hay = words(&route.name);
        if let Some(p) = &route.path {
            hay.push_str(&words(p));
        }
        self.public_route_words
            .iter()
            .any(|w| hay.contains(&words(w)))
    }

    /// A whole name, or (for entries longer than three characters) a word segment of it: `get_` in
    /// `get_rating_by_id`, `delete` in `bulk_delete` or `softDelete` — but not `set_` inside `reset_password`.
    fn call_matches(list: &[String], callee: &str) -> bool {
        let name = short_name(callee);
        let bytes = name.as_bytes();
        let segment_start = |i: usize| {
            i == 0
                || bytes[i - 1] == b'_'
                || (bytes[i].is_ascii_uppercase() && bytes[i - 1].is_ascii_lowercase())
        };
        list.iter().any(|c| {
            c.eq_ignore_ascii_case(name)
                || (c.len() > 3
                    && name.len() >= c.len()
                    && bytes
                        .windows(c.len())
                        .enumerate()
                        .any(|(i, w)| segment_start(i) && w.eq_ignore_ascii_case(c.as_bytes())))
        })
    }

    pub fn is_lookup_call(&self, callee: &str) -> bool {
        Self::call_matches(&self.lookup_calls, callee) || self.is_mutation_call(callee)
    }

    /// A field a client must not set (see `privileged_fields`).
    pub fn is_privileged_field(&self, name: &str) -> bool {
        self.privileged_fields
            .iter()
            .any(|f| f.eq_ignore_ascii_case(name))
    }

    pub fn is_mutation_call(&self, callee: &str) -> bool {
        Self::call_matches(&self.mutation_calls, callee)
    }
}

/// `MaybeAuthUser`, `OptionalUser`, `get_optional_current_user`, `Option<AuthUser>`, `optional=True`.
fn is_optional_auth(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.starts_with("maybe")
        || l.starts_with("option<")
        || l.contains("optional")
        || l.contains("allow_anonymous")
        || l.contains("allowanonymous")
}

/// Word-boundary containment for identifiers (`user_id` in `Rating.user_id ==`, not in `reviewer_user_idx`).
pub(crate) fn contains_word(hay: &str, word: &str) -> bool {
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let bytes = hay.as_bytes();
    let mut from = 0;
    while let Some(i) = hay[from..].find(word) {
        let s = from + i;
        let e = s + word.len();
        let before = s == 0 || !is_ident(bytes[s - 1]);
        let after = e >= bytes.len() || !is_ident(bytes[e]);
        if before && after {
            return true;
        }
        from = s + 1;
    }
    false
}

/// SQL text that writes.
pub(crate) fn sql_writes(text: &str) -> bool {
    let l = text.to_ascii_lowercase();
    ["update ", "delete ", "delete\n", "insert "]
        .iter()
        .any(|k| l.contains(k))
        && (l.contains(" set ") || l.contains("delete") || l.contains("insert"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_names_match_whole_or_on_word_segments() {
        let list: Vec<String> = ["set_", "delete", "get_"].map(String::from).into();
        let m = |c: &str| Names::call_matches(&list, c);
        assert!(m("get_rating_by_id") && m("svc.bulk_delete") && m("softDelete") && m("set_owner"));
        // `reset_password` is not a `set_…` call, `generate_reset_password_email` changes nothing.
        assert!(!m("generate_reset_password_email") && !m("undeleted") && !m("forget_me"));
    }

    #[test]
    fn an_oauth_client_call_is_no_privilege_check() {
        let names = Names::new(&secreview_rules::RuleSet::embedded().unwrap().authz);
        assert!(names.is_privilege("authorize(user, \"notes:edit\")"));
        assert!(names.is_privilege("policy.can_manage(user)"));
        // `authorize_redirect` starts a login; another marker beside it still counts.
        assert!(!names.is_privilege("await oauth.google.authorize_redirect(request, url)"));
        assert!(!names.is_privilege("client.authorize_access_token(request)"));
        assert!(names.is_privilege("client.authorize_redirect(r, u) if user.is_admin else None"));
    }

    #[test]
    fn word_containment_respects_identifier_boundaries() {
        assert!(contains_word("rating.user_id == x", "user_id"));
        assert!(!contains_word("rating.reviewer_user_idx", "user_id"));
        assert!(contains_word("user_id", "user_id"));
    }

    #[test]
    fn recognises_writing_sql() {
        assert!(sql_writes("UPDATE todos SET done = true WHERE id = $1"));
        assert!(sql_writes("DELETE FROM notes WHERE id = ?"));
        assert!(!sql_writes("SELECT * FROM notes WHERE id = ?"));
    }
}
