//! The authorization analyses (builtin rules of the authz pack).
//!
//! A language front-end extracts a route table per file (`python.rs`, `rust.rs`); the rules below compare each
//! route with its evidence, with its siblings (routes of the same router, blueprint or class) and, for regression
//! rules, with the same handler in the base version of the file. Framework knowledge — which names
//! authenticate, which fields name an owner — is data (`rules/authz/_frameworks.toml`).

mod defaults;
mod imported;
mod layers;
mod model;
mod python;
mod router_layers;
mod rust;
mod schema;
mod wiring;

use secreview_model::{Evidence, Location};
use secreview_rules::{CompiledRule, Matcher};
use secreview_syntax::{Lang, ParsedFile};

use crate::RouteInfo;
use crate::emit::Hit;
use crate::file::FileCtx;
use crate::project::Project;

pub(crate) use imported::injected_aliases;
pub(crate) use model::Names;
use model::{Ev, Lookup, Owner, Route};

pub(crate) const ANALYSES: &[&str] = &[
    "authz.ownership",
    "authz.authentication",
    "authz.user-id-from-request",
    "authz.guard-removed",
    "authz.permission-weakened",
    "authz.mass-assignment",
    "authz.decorator-order",
];

/// Where a file sits in the project: its path and the project's other modules, for facts defined elsewhere.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub path: &'a str,
    pub project: &'a Project,
}

/// Routes of a file, by language.
pub(crate) fn routes(names: &Names, parsed: &ParsedFile, scope: Scope<'_>) -> Vec<Route> {
    match parsed.lang {
        Lang::Python => python::PyFile::extract(parsed, names, scope).routes,
        Lang::Rust => rust::extract(parsed, names, scope),
    }
}

pub(crate) fn run(
    names: &Names,
    project: &Project,
    rules: &[(usize, &CompiledRule)],
    ctx: &FileCtx<'_>,
    parsed: &ParsedFile,
    hits: &mut Vec<(usize, Hit)>,
) -> Vec<RouteInfo> {
    let scope = Scope {
        path: &ctx.file.path,
        project,
    };
    let routes = routes(names, parsed, scope);
    if routes.is_empty() {
        return Vec::new();
    }
    let path = ctx.file.path.as_str();
    // The base version is parsed only when a regression rule is active and the diff removed something.
    let base_routes = rules
        .iter()
        .any(|(_, r)| {
            matches!(
                analysis(r),
                "authz.guard-removed" | "authz.permission-weakened"
            )
        })
        .then(|| base_routes(names, ctx, parsed.lang, scope))
        .flatten();
    let owner_field_visible = names.mentions_owner_field(&parsed.text);
    // A handler whose guard this diff removed gets that one finding, not also the consequences of the removal.
    let regressed: Vec<String> = match &base_routes {
        Some((old_path, b))
            if rules
                .iter()
                .any(|(_, r)| analysis(r) == "authz.guard-removed") =>
        {
            let mut tmp = Vec::new();
            guard_removed(&routes, b, ctx, old_path, 0.0, path, &mut tmp);
            routes
                .iter()
                .filter(|r| tmp.iter().any(|h| h.start_line == r.def.line))
                .map(|r| r.name.clone())
                .collect()
        }
        _ => Vec::new(),
    };
    let fresh: Vec<Route> = routes
        .iter()
        .filter(|r| !regressed.contains(&r.name))
        .cloned()
        .collect();
    for &(ri, rule) in rules {
        let base = rule.meta.confidence;
        let mut out = Vec::new();
        match analysis(rule) {
            "authz.ownership" => ownership(&fresh, base, owner_field_visible, path, &mut out),
            "authz.authentication" => authentication(names, &fresh, base, path, &mut out),
            "authz.user-id-from-request" => user_id_from_request(&routes, base, path, &mut out),
            "authz.guard-removed" => {
                if let Some((old_path, base_routes)) = &base_routes {
                    guard_removed(&routes, base_routes, ctx, old_path, base, path, &mut out);
                }
            }
            "authz.permission-weakened" => {
                permission_weakened(
                    names,
                    &routes,
                    base_routes.as_ref(),
                    ctx,
                    base,
                    path,
                    &mut out,
                );
            }
            "authz.decorator-order" => decorator_order(&routes, base, path, &mut out),
            "authz.mass-assignment" => {
                for r in &routes {
                    for m in &r.mass_assignment {
                        let mut hit =
                            hit_at(m, base).detail(format!("{} in {}", m.note, r.describe()));
                        // The schema that lets the privileged fields through, in the module that defines it.
                        if m.origin.is_some() {
                            hit.evidence
                                .push(evidence(path, m, "the request schema's fields"));
                        }
                        hit.evidence.push(evidence(
                            path,
                            &r.def,
                            &format!("handler {}", r.describe()),
                        ));
                        out.push(hit);
                    }
                }
            }
            _ => {}
        }
        hits.extend(out.into_iter().map(|h| (ri, h)));
    }
    routes
        .iter()
        .map(|r| RouteInfo {
            file: path.to_owned(),
            line: r.def.line,
            framework: r.framework.name().to_owned(),
            methods: r.methods.clone(),
            path: r.path.clone(),
            handler: r.name.clone(),
            authenticated: r.is_authenticated(),
            ownership_checked: r.is_checked(),
            auth_from: r
                .auth
                .iter()
                .chain(&r.body_auth)
                .chain(&r.privilege)
                .next()
                .map(|e| why(path, e)),
            role_checked: !r.privilege.is_empty(),
            ownership_from: r
                .ownership
                .iter()
                .chain(&r.privilege)
                .chain(&r.class_scope)
                .next()
                .map(|e| why(path, e)),
            owned_model: r.lookups.iter().find_map(|l| match &l.owner {
                Some(Owner::Owned(o)) => Some(why(path, o)),
                _ => None,
            }),
        })
        .collect()
}

/// `file:line note` of a piece of evidence, where it is proven (another module for imported facts).
fn why(path: &str, e: &Ev) -> String {
    let (file, line) = match &e.origin {
        Some((p, l, _)) => (p.as_str(), *l),
        None => (path, e.line),
    };
    format!("{file}:{line} {}", e.note)
}

fn analysis(rule: &CompiledRule) -> &str {
    match &rule.matcher {
        Matcher::Builtin { analysis } => analysis,
        _ => "",
    }
}

/// The base version's routes. Imported facts come from the scanned side's modules: a dependency that still
/// exists under the same name is assumed to mean the same thing (the use site is what a diff removes).
fn base_routes(
    names: &Names,
    ctx: &FileCtx<'_>,
    lang: Lang,
    scope: Scope<'_>,
) -> Option<(String, Vec<Route>)> {
    let file = ctx.file;
    let old = file.old_text.as_ref()?;
    if file.removed.is_empty() {
        return None;
    }
    let parsed = secreview_syntax::parse(lang, old.clone()).ok()?;
    let old_path = file.old_path.clone().unwrap_or_else(|| file.path.clone());
    Some((old_path, routes(names, &parsed, scope)))
}

fn hit_at(e: &Ev, confidence: f32) -> Hit {
    Hit::span((e.line, e.col), (e.line, e.col), confidence)
}

/// Evidence at `e`: in the scanned file, or where an imported dependency proves the fact.
fn evidence(path: &str, e: &Ev, note: &str) -> Evidence {
    let (path, line, col) = match &e.origin {
        Some((p, l, c)) => (p.as_str(), *l, *c),
        None => (path, e.line, e.col),
    };
    Evidence {
        location: Location {
            path: path.to_owned(),
            start_line: line,
            start_col: col,
            end_line: line,
            end_col: col,
        },
        note: note.to_owned(),
    }
}

/// A sibling route of the same router or class checks ownership of what it loads: the author knows the records
/// are owned, and this handler is the one that forgot.
const CHECKED_SIBLING_BONUS: f32 = 0.07;

/// An owner field (`user_id`, `owner`) is named in the file: ownership is part of this code's vocabulary.
const OWNER_FIELD_VISIBLE_BONUS: f32 = 0.04;

/// The handler authenticates its caller, so there is a caller whose ownership could have been checked.
const AUTHENTICATED_BONUS: f32 = 0.03;

/// No finding rises above this: static analysis never sees everything (middleware, database policies).
const MAX_CONFIDENCE: f32 = 0.97;

/// A read of a record (not a change) is reported only beside siblings that check their reads, and many reads
/// are public by design: the finding is a warning below the blocking threshold for the default base.
const READ_PENALTY: f32 = 0.2;

/// `route-missing-authentication` starts this far below the rule's base, and gains `PROTECTED_SHARE_WEIGHT` times
/// the share of sibling routes that authenticate: an open route among all-protected siblings is the strongest case.
const LONE_OPEN_ROUTE_PENALTY: f32 = 0.2;
const PROTECTED_SHARE_WEIGHT: f32 = 0.3;
/// Siblings assumed unseen when weighing the share: a convention seen on one or two protected routes is thin
/// evidence (a first-run `/setup` beside one protected `/setup/integrations`), so such an open route is a
/// warning below the blocking confidence; from three protected siblings on it blocks.
const SIBLING_PRIOR: f32 = 3.0;
const MAX_AUTH_CONFIDENCE: f32 = 0.95;

/// `permission-weakened` without a base version to compare (the route is new): an open permission is a choice
/// as often as a regression.
const NO_BASE_PENALTY: f32 = 0.25;

/// `@csrf_exempt` on a session-authenticated view: real exposure only when the view also trusts cookies for a
/// state change an attacker wants, which the analysis cannot always tell.
const CSRF_EXEMPT_PENALTY: f32 = 0.1;

/// The data model shows the record has an owner (an owner field or a foreign key to the user model, read from
/// the model class, possibly in another file): the finding no longer rests on a name guess.
const OWNED_MODEL_BONUS: f32 = 0.03;

/// The load was followed through the service or repository layer to the query that performs it, and no layer on
/// the way checks the owner: the finding no longer rests on what an unread callee might do.
const FOLLOWED_LOAD_BONUS: f32 = 0.03;

/// Every load is handed the caller as well as the key, by a call whose code the analysis cannot read (a use
/// case in a module it does not resolve, a library): such layers usually scope by the caller they are given,
/// so the finding stays a warning below the blocking confidence, with the reason in its evidence.
const UNSEEN_DELEGATE_PENALTY: f32 = 0.3;

/// `route-missing-ownership-check`: a record selected by a client-supplied key is changed (or, where siblings
/// check reads, returned) without an ownership or permission check.
fn ownership(
    routes: &[Route],
    base: f32,
    owner_field_visible: bool,
    path: &str,
    out: &mut Vec<Hit>,
) {
    for r in routes {
        // A project base class may scope the queryset or check object permissions out of sight.
        if r.is_checked() || r.lookups.is_empty() || r.inherits_unknown {
            continue;
        }
        // A record with no owner (a catalogue entry, a shared tag) cannot be someone else's: no IDOR on it.
        let owned: Vec<&Lookup> = r
            .lookups
            .iter()
            .filter(|l| !matches!(l.owner, Some(Owner::Unowned)))
            .collect();
        if owned.is_empty() {
            continue;
        }
        let siblings: Vec<&Route> = routes
            .iter()
            .filter(|s| s.group == r.group && s.name != r.name)
            .collect();
        let checked_sibling = siblings
            .iter()
            .find(|s| s.is_checked() && !s.lookups.is_empty());
        let mutated = r.lookups.iter().any(|l| l.mutating) || !r.mutations.is_empty();
        let write_method = r
            .methods
            .iter()
            .any(|m| matches!(m.as_str(), "PUT" | "PATCH" | "DELETE"));
        let (lookup, confidence) = if mutated || write_method && r.writes {
            let mut c = base;
            if checked_sibling.is_some() {
                c += CHECKED_SIBLING_BONUS;
            }
            if owner_field_visible {
                c += OWNER_FIELD_VISIBLE_BONUS;
            }
            if r.is_authenticated() {
                c += AUTHENTICATED_BONUS;
            }
            if owned
                .iter()
                .any(|l| matches!(l.owner, Some(Owner::Owned(_))))
            {
                c += OWNED_MODEL_BONUS;
            }
            if owned.iter().any(|l| l.via.is_some()) {
                c += FOLLOWED_LOAD_BONUS;
            }
            if owned.iter().all(|l| l.delegated_caller) {
                c -= UNSEEN_DELEGATE_PENALTY;
            }
            (owned.first().copied(), c.min(MAX_CONFIDENCE))
        } else {
            // A read: only a finding when a sibling read in the same router checks ownership.
            let read_checked = siblings
                .iter()
                .any(|s| s.is_checked() && !s.lookups.is_empty() && !s.mutates());
            let single = owned.first().is_some_and(|l| l.single);
            // A route declared open to anonymous callers (`AllowAny`, ninja `auth=None`) serves public records.
            if !read_checked
                || r.mutates()
                || !(r.is_object_endpoint() || single)
                || r.allow_any.is_some()
            {
                continue;
            }
            (owned.first().copied(), base - READ_PENALTY)
        };
        let Some(lookup) = lookup else { continue };
        let action = if mutated || write_method {
            "changes"
        } else {
            "returns"
        };
        let mut hit = hit_at(&lookup.ev, confidence).detail(format!(
            "{} {action} the record selected by client-supplied `{}` without checking that it belongs to the caller",
            r.describe(),
            lookup.key,
        ));
        hit.recommendation = Some(format!(
            "Before changing or returning it, {}.",
            r.framework.ownership_fix()
        ));
        let note = match &lookup.var {
            Some(v) => format!("`{v}`: {}", lookup.ev.note),
            None => lookup.ev.note.clone(),
        };
        hit.evidence.push(evidence(path, &lookup.ev, &note));
        if let Some(v) = &lookup.via {
            hit.evidence.push(evidence(
                path,
                v,
                &format!(
                    "loaded through {}; no layer on the way checks the owner",
                    v.note
                ),
            ));
        }
        if lookup.delegated_caller {
            hit.evidence.push(evidence(
                path,
                &lookup.ev,
                "the caller is passed along with the key to code out of sight, which may scope by it",
            ));
        }
        if let Some(Owner::Owned(o)) = &lookup.owner {
            hit.evidence.push(evidence(
                path,
                o,
                &format!("the record is owned: {}", o.note),
            ));
        }
        for m in r
            .mutations
            .iter()
            .filter(|m| m.line != lookup.ev.line)
            .take(2)
        {
            hit.evidence
                .push(evidence(path, m, &format!("state change: {}", m.note)));
        }
        hit.evidence.push(evidence(
            path,
            &r.def,
            &format!(
                "handler {} has no ownership or permission check",
                r.describe()
            ),
        ));
        // Authentication proven in another module: show where, so the reader sees every file involved.
        if let Some(a) = r.auth.iter().find(|a| a.origin.is_some()) {
            hit.evidence.push(evidence(
                path,
                a,
                &format!("the caller is authenticated: {}", a.note),
            ));
        }
        if let Some(s) = checked_sibling
            && let Some(check) = s.ownership.first().or(s.privilege.first())
        {
            hit.evidence.push(evidence(
                path,
                check,
                &format!("sibling `{}` checks: {}", s.name, check.note),
            ));
        }
        out.push(hit);
    }
}

/// Whether a view authenticates its caller by the session cookie, the only case where cross-site requests
/// carry the victim's credentials: an API-key, token or signature view, or an anonymous webhook, has nothing
/// for a forged request to ride on, so `@csrf_exempt` there weakens nothing.
fn rides_session(r: &Route) -> bool {
    const SESSION: &[&str] = &[
        "login",
        "session",
        "is_authenticated",
        "request.user",
        "user_passes_test",
        "permission_required",
        "staff_member_required",
        "loginrequired",
    ];
    r.auth
        .iter()
        .chain(&r.body_auth)
        .chain(&r.privilege)
        .any(|e| {
            let l = e.note.to_ascii_lowercase();
            SESSION.iter().any(|w| l.contains(w))
        })
}

/// `auth-decorator-above-route`: the only guard of a route is a decorator the framework never sees, because it
/// sits above the decorator that registers the route. Reported whatever the siblings do: the author meant to
/// protect the route, and it is open.
fn decorator_order(routes: &[Route], base: f32, path: &str, out: &mut Vec<Hit>) {
    for r in routes {
        let Some(m) = &r.misordered else { continue };
        // Protected some other way (a router guard, a dependency): the stray decorator is harmless.
        if r.is_authenticated() {
            continue;
        }
        let mut hit = hit_at(m, base).detail(format!("{}: {}", r.describe(), m.note));
        hit.evidence.push(evidence(path, m, &m.note));
        hit.evidence.push(evidence(
            path,
            &r.def,
            &format!("handler {} is registered unwrapped", r.describe()),
        ));
        out.push(hit);
    }
}

/// `route-missing-authentication`: a state-changing route with no authentication in a group where others have it.
fn authentication(names: &Names, routes: &[Route], base: f32, path: &str, out: &mut Vec<Hit>) {
    for r in routes {
        // A DRF class-based view without `permission_classes` gets DEFAULT_PERMISSION_CLASSES from settings:
        // when no settings module is in sight, silence there is not evidence of an open view.
        let drf_defaults = r.framework == model::Framework::Drf
            && r.class_based
            && r.permission_classes.is_none()
            && r.default_permissions.is_none();
        // A POST that writes nothing (a search form) changes no state.
        let writes = r.writes || !r.mutations.is_empty() || r.lookups.iter().any(|l| l.mutating);
        if r.is_authenticated()
            || !r.mutates()
            || !writes
            || names.is_public_route(r)
            || r.capability.is_some()
            || r.signed.is_some()
            || r.first_run.is_some()
            || r.allow_any.is_some()
            || drf_defaults
            || r.inherits_unknown
        {
            continue;
        }
        // Compare with routes that should be protected too: not public by design, and state-changing ones
        // when there are any (open read pages say little about writes).
        let comparable: Vec<&Route> = routes
            .iter()
            .filter(|s| s.name != r.name && s.framework == r.framework && !names.is_public_route(s))
            // Methods of one view class share its class-level guards: compare with other views, not with them.
            .filter(|s| !(r.class_based && s.group == r.group))
            .collect();
        let mutating: Vec<&Route> = comparable.iter().copied().filter(|s| s.mutates()).collect();
        let siblings = if mutating.is_empty() {
            comparable
        } else {
            mutating
        };
        let protected: Vec<&&Route> = siblings.iter().filter(|s| s.is_authenticated()).collect();
        let share = protected.len() as f32 / siblings.len().max(1) as f32;
        // Where most routes are open, an open route is the file's convention (public pages, guest checkout), not
        // a forgotten guard.
        if protected.is_empty() || share < 0.5 {
            continue;
        }
        let weighed = protected.len() as f32 / (siblings.len() as f32 + SIBLING_PRIOR);
        let confidence = base - LONE_OPEN_ROUTE_PENALTY + PROTECTED_SHARE_WEIGHT * weighed;
        let mut hit = hit_at(&r.def, confidence.min(MAX_AUTH_CONFIDENCE)).detail(format!(
            "{} changes state without authentication while {} of {} sibling routes require it",
            r.describe(),
            protected.len(),
            siblings.len()
        ));
        hit.evidence.push(evidence(
            path,
            &r.def,
            &format!(
                "handler {} has no auth dependency, decorator or extractor",
                r.describe()
            ),
        ));
        if let Some(s) = protected.first()
            && let Some(a) = s.auth.first()
        {
            hit.evidence.push(evidence(
                path,
                a,
                &format!("sibling `{}` authenticates: {}", s.name, a.note),
            ));
        }
        out.push(hit);
    }
}

/// `user-id-from-request`: the acting user's identity comes from the request, not from the authenticated principal.
fn user_id_from_request(routes: &[Route], base: f32, path: &str, out: &mut Vec<Hit>) {
    for r in routes {
        if !r.privilege.is_empty() {
            continue;
        }
        for e in &r.request_user_ids {
            let mut hit = hit_at(e, base).detail(format!("{} in {}", e.note, r.describe()));
            hit.evidence
                .push(evidence(path, &r.def, &format!("handler {}", r.describe())));
            out.push(hit);
        }
    }
}

/// `auth-guard-removed`: the base version of a handler had an authentication or ownership guard that the diff
/// removed, and the head version has none.
fn guard_removed(
    routes: &[Route],
    base_routes: &[Route],
    ctx: &FileCtx<'_>,
    old_path: &str,
    base: f32,
    path: &str,
    out: &mut Vec<Hit>,
) {
    let removed = &ctx.file.removed;
    for r in routes {
        let Some(old) = base_routes
            .iter()
            .find(|b| b.name == r.name && b.group == r.group)
        else {
            continue;
        };
        // Opening a view with `AllowAny` is reported as `permission-weakened`.
        if r.allow_any.is_some() {
            continue;
        }
        let lost_auth = !r.is_authenticated() && old.auth.iter().any(|e| removed.contains(e.line));
        // A privilege check that became mere authentication is `permission-weakened`, not a removal.
        let lost_check = !r.is_checked()
            && old.ownership.iter().any(|e| removed.contains(e.line))
            && r.lookups.iter().any(|_| true);
        if !lost_auth && !lost_check {
            continue;
        }
        let (what, guard) = if lost_auth {
            (
                "authentication",
                old.auth.iter().find(|e| removed.contains(e.line)),
            )
        } else {
            (
                "ownership check",
                old.ownership.iter().find(|e| removed.contains(e.line)),
            )
        };
        let Some(guard) = guard else { continue };
        let mut hit = hit_at(&r.def, base).detail(format!(
            "the {what} of {} was removed by this change ({} at base line {})",
            r.describe(),
            guard.note,
            guard.line
        ));
        hit.regression = true;
        hit.evidence.push(evidence(
            old_path,
            guard,
            &format!(
                "guard removed here (base line {}): {}",
                guard.line, guard.note
            ),
        ));
        hit.evidence.push(evidence(
            path,
            &r.def,
            &format!("handler {} now has no {what}", r.describe()),
        ));
        out.push(hit);
    }
}

/// `permission-weakened`: DRF permissions opened to everyone, a privilege check reduced to authentication, or
/// `@csrf_exempt` added to a state-changing view.
fn permission_weakened(
    names: &Names,
    routes: &[Route],
    base_routes: Option<&(String, Vec<Route>)>,
    ctx: &FileCtx<'_>,
    base: f32,
    path: &str,
    out: &mut Vec<Hit>,
) {
    let added = &ctx.file.added;
    let mut reported_lines = Vec::new();
    for r in routes {
        let old = base_routes
            .and_then(|(_, b)| b.iter().find(|o| o.name == r.name && o.group == r.group));
        if let Some(a) = &r.allow_any
            && added.contains(a.line)
            && !reported_lines.contains(&a.line)
        {
            let before = old
                .and_then(|o| o.permission_classes.as_ref())
                .filter(|_| old.is_some_and(|o| o.allow_any.is_none()));
            let confidence = if before.is_some() {
                base
            } else {
                base - NO_BASE_PENALTY
            };
            if before.is_some() || r.mutates() {
                let mut hit = hit_at(a, confidence).detail(match before {
                    Some(b) => format!("{} (was `{}`)", a.note, b.note),
                    None => a.note.clone(),
                });
                if let Some(b) = before {
                    hit.evidence
                        .push(evidence(path, b, &format!("base version: {}", b.note)));
                }
                reported_lines.push(a.line);
                out.push(hit);
            }
        }
        if let Some(c) = &r.csrf_exempt
            && added.contains(c.line)
            && r.mutates()
            && !names.is_public_route(r)
            && rides_session(r)
            && !reported_lines.contains(&c.line)
        {
            reported_lines.push(c.line);
            out.push(hit_at(c, base - CSRF_EXEMPT_PENALTY).detail(format!(
                "`@csrf_exempt` added to state-changing view {}",
                r.describe()
            )));
        }
        if let Some(o) = old {
            lowered_arguments(r, o, ctx, base, path, base_routes, out);
            loosened_checks(r, o, ctx, base, out);
        }
        if let Some(o) = old
            && !o.privilege.is_empty()
            && r.privilege.is_empty()
            && r.is_authenticated()
            && o.privilege
                .iter()
                .any(|e| ctx.file.removed.contains(e.line))
        {
            let p = &o.privilege[0];
            let mut hit = hit_at(&r.def, base).detail(format!(
                "{} now only requires authentication; the base version required {}",
                r.describe(),
                p.note
            ));
            hit.regression = true;
            let old_path = base_routes.map_or(path, |(p, _)| p.as_str());
            hit.evidence.push(evidence(
                old_path,
                p,
                &format!("privilege check removed (base line {})", p.line),
            ));
            out.push(hit);
        }
    }
}

/// A privilege decorator or dependency whose argument the diff lowered: `@permission_required("app.delete_x")`
/// → `"app.view_x"`, `Depends(require_role("admin"))` → `"member"` (see `model::privilege_rank`).
fn lowered_arguments(
    r: &Route,
    old: &Route,
    ctx: &FileCtx<'_>,
    base: f32,
    path: &str,
    base_routes: Option<&(String, Vec<Route>)>,
    out: &mut Vec<Hit>,
) {
    for (callee, now) in &r.privilege_args {
        if !ctx.file.added.contains(now.line) {
            continue;
        }
        let Some(rank) = model::privilege_rank(&now.note) else {
            continue;
        };
        let Some((_, was)) = old.privilege_args.iter().find(|(c, was)| {
            c == callee && model::privilege_rank(&was.note).is_some_and(|w| w > rank)
        }) else {
            continue;
        };
        let mut hit = hit_at(now, base).detail(format!(
            "{} now requires `{callee}{}`, less than the base version's `{callee}{}`",
            r.describe(),
            now.note,
            was.note
        ));
        hit.regression = true;
        let old_path = base_routes.map_or(path, |(p, _)| p.as_str());
        hit.evidence.push(evidence(
            old_path,
            was,
            &format!("base version (line {}): `{callee}{}`", was.line, was.note),
        ));
        out.push(hit);
    }
}

/// A check the diff made bypassable: an `or` added beside it in a granting condition, or an `and` in a
/// rejecting one (`if note.owner_id != user.id and not note.shared: raise`).
fn loosened_checks(r: &Route, old: &Route, ctx: &FileCtx<'_>, base: f32, out: &mut Vec<Hit>) {
    for loosened in &r.loosened {
        let l = &loosened.at;
        if !ctx.file.added.contains(l.line) || old.loosened.iter().any(|o| o.at.note == l.note) {
            continue;
        }
        // The base version checked here without the bypass: the check existed and the condition was changed.
        if old.ownership.is_empty() && old.privilege.is_empty() {
            continue;
        }
        // A rejecting `if` the change added whole (`if not is_admin() and not can_access(c): abort(404)`) only
        // rejects more callers than before: the bypass is part of a new restriction, not a loosened one.
        let (first, last) = loosened.body;
        if loosened.rejecting && (first..=last).all(|line| ctx.file.added.contains(line)) {
            continue;
        }
        let mut hit = hit_at(l, base).detail(format!(
            "the check of {} was loosened by this change: {}",
            r.describe(),
            l.note
        ));
        hit.regression = true;
        out.push(hit);
    }
}
