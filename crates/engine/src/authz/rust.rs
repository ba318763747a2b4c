//! Rust front-end of the route model: actix-web attribute routes and `web::…().to(handler)` registrations,
//! axum `.route(path, get(handler))` registrations and extractor-shaped async handlers.

use std::collections::HashMap;

use secreview_syntax::{ParsedFile, named_children, walk};
use tree_sitter::Node;

use super::Scope;
use super::model::{Ev, Framework, Lookup, Names, Route, contains_word, loads_one, sql_writes};
use super::router_layers;

fn t<'a>(p: &'a ParsedFile, n: Node<'_>) -> &'a str {
    p.text(n)
}

fn ev(p: &ParsedFile, n: Node<'_>, note: impl Into<String>) -> Ev {
    let (line, col) = p.line_col(n.start_byte());
    Ev::new(line, col, note)
}

const VERBS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Extractor types that carry request data, not identity.
const DATA_EXTRACTORS: [&str; 10] = [
    "Path",
    "Json",
    "Query",
    "Form",
    "State",
    "Data",
    "HeaderMap",
    "Bytes",
    "String",
    "Request",
];

pub(crate) fn extract(p: &ParsedFile, names: &Names, scope: Scope<'_>) -> Vec<Route> {
    let text = p.text.as_str();
    let framework = if text.contains("actix_web") {
        Framework::Actix
    } else if text.contains("axum") {
        Framework::Axum
    } else {
        return Vec::new();
    };
    let registered = registrations(text);
    let mut routes = Vec::new();
    let root = p.tree.root_node();
    walk(root, &mut |n| {
        if n.kind() == "function_item"
            && let Some(mut route) = route_of(p, names, framework, n, &registered, scope)
        {
            // A guard layer of the router that registers the handler (here or in a module that composes it).
            if !route.is_authenticated()
                && let Some(f) = router_layers::guard_of(
                    scope.project,
                    scope.path,
                    p,
                    &route.name,
                    framework,
                    names,
                )
            {
                let (line, col) = (route.def.line, route.def.col);
                route.auth.push(f.at_use(line, col, "registered behind"));
            }
            routes.push(route);
            return false;
        }
        true
    });
    routes
}

/// `handler name → (method, path)` from `.route("/x", get(h).post(h2))` and `web::delete().to(h)`.
fn registrations(text: &str) -> HashMap<String, (String, Option<String>)> {
    let mut out = HashMap::new();
    let mut current_path: Option<String> = None;
    let mut offset = 0;
    for line in text.lines() {
        let start = offset;
        offset += line.len() + 1;
        // `.route("/x", …)`, or `.route(` with the path on the next line as rustfmt writes long ones.
        if let Some(i) = line.find(".route(").or_else(|| line.find("resource(")) {
            let open = start + i + line[i..].find('(').unwrap_or(0) + 1;
            let rest = text.get(open..).unwrap_or("").trim_start();
            if let Some(r) = rest.strip_prefix('"') {
                current_path = r.find('"').map(|e| r[..e].to_owned());
            }
        }
        for verb in VERBS {
            for pat in [format!("{verb}("), format!("web::{verb}().to(")] {
                let mut from = 0;
                while let Some(i) = line[from..].find(&pat) {
                    let at = from + i;
                    from = at + pat.len();
                    let before_ok = at == 0
                        || !line.as_bytes()[at - 1].is_ascii_alphanumeric()
                            && line.as_bytes()[at - 1] != b'_';
                    if !before_ok {
                        continue;
                    }
                    let rest = &line[at + pat.len()..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    let name = name.rsplit("::").next().unwrap_or("").to_owned();
                    if !name.is_empty() && !name.chars().next().is_some_and(char::is_uppercase) {
                        out.entry(name)
                            .or_insert((verb.to_ascii_uppercase(), current_path.clone()));
                    }
                }
            }
        }
    }
    out
}

fn route_of(
    p: &ParsedFile,
    names: &Names,
    framework: Framework,
    f: Node<'_>,
    registered: &HashMap<String, (String, Option<String>)>,
    scope: Scope<'_>,
) -> Option<Route> {
    let name_node = f.child_by_field_name("name")?;
    let name = t(p, name_node).to_owned();
    let params = f.child_by_field_name("parameters")?;
    let body = f.child_by_field_name("body")?;
    let mut method: Option<String> = None;
    let mut path: Option<String> = None;
    // actix attribute macros: `#[delete("/notes/{id}")]` precede the function as attribute items.
    let mut attributed = false;
    let mut sib = f.prev_named_sibling();
    while let Some(s) = sib {
        // Comments may sit between the attributes and the function (`#[post("/x")]`, `// note`, `async fn`).
        if matches!(s.kind(), "line_comment" | "block_comment") {
            sib = s.prev_named_sibling();
            continue;
        }
        if s.kind() != "attribute_item" {
            break;
        }
        let at = t(p, s);
        for verb in VERBS {
            if at.starts_with(&format!("#[{verb}(")) || at.contains(&format!("::{verb}(")) {
                method = Some(verb.to_ascii_uppercase());
                path = at.split('"').nth(1).map(str::to_owned);
                attributed = true;
            }
        }
        sib = s.prev_named_sibling();
    }
    if method.is_none()
        && let Some((m, pth)) = registered.get(&name)
    {
        method = Some(m.clone());
        path.clone_from(pth);
    }
    let param_list: Vec<Node<'_>> = named_children(params)
        .filter(|n| n.kind() == "parameter")
        .collect();
    // A bare `String` or `Bytes` parameter is as common in helpers (`hash_password(password: String)`) as in
    // handlers: only a request extractor makes an unregistered function look like one.
    let is_handler_shaped = param_list.iter().any(|prm| {
        let ty = prm.child_by_field_name("type").map_or("", |x| t(p, x));
        DATA_EXTRACTORS
            .iter()
            .filter(|d| !matches!(**d, "String" | "Bytes" | "Request" | "HeaderMap"))
            .any(|d| outer_type(ty) == *d)
    });
    // Handlers are free functions; a method taking `self` is a use case or presenter the handler calls.
    let is_method = named_children(params).any(|n| n.kind() == "self_parameter");
    if is_method && !attributed {
        return None;
    }
    if method.is_none() {
        // Registered by a router in another module (`routes.rs`), possibly with no extractor at all.
        match router_layers::registered_elsewhere(scope.project, scope.path, &name, names) {
            Some(found) => method = found.method,
            None if !is_handler_shaped => return None,
            None => {}
        }
    }
    let mut route = Route::new(
        name.clone(),
        framework,
        ev(p, name_node, "handler"),
        "router".into(),
    );
    route.path = path;
    if let Some(m) = method {
        route.methods.push(m);
    } else {
        // Unregistered in this file: infer from the name the way readers do.
        {
            let l = name.to_ascii_lowercase();
            for (prefix, m) in [
                ("delete", "DELETE"),
                ("remove", "DELETE"),
                ("update", "PUT"),
                ("edit", "PUT"),
                ("create", "POST"),
                ("get", "GET"),
                ("list", "GET"),
            ] {
                if l.starts_with(prefix) {
                    route.methods.push(m.into());
                    break;
                }
            }
        }
    }
    let mut keys: Vec<String> = Vec::new();
    let mut path_vars: Vec<String> = Vec::new();
    let mut principals: Vec<String> = Vec::new();
    let mut body_vars: Vec<String> = Vec::new();
    for prm in &param_list {
        let pat = prm.child_by_field_name("pattern").map_or("", |x| t(p, x));
        let ty = prm.child_by_field_name("type").map_or("", |x| t(p, x));
        let outer = outer_type(ty);
        let binding = pattern_names(pat);
        match outer {
            "Path" => {
                keys.extend(binding.iter().cloned());
                path_vars.extend(binding.iter().cloned());
            }
            "Json" | "Form" | "Query" => body_vars.extend(binding.iter().cloned()),
            _ => {}
        }
        let inner = if matches!(outer, "Extension" | "ReqData" | "Option") {
            inner_type(ty)
        } else {
            outer
        };
        if !DATA_EXTRACTORS.contains(&inner) && (names.is_auth(inner) || names.is_auth(ty)) {
            route
                .auth
                .push(ev(p, *prm, format!("extractor `{}`", ty.trim())));
            principals.extend(binding.iter().cloned());
            if names.is_privilege(ty) {
                route.privilege.push(ev(
                    p,
                    *prm,
                    format!("extractor `{}` requires a privileged user", ty.trim()),
                ));
            }
        }
    }
    // `let id = path.into_inner();` makes `id` a key too.
    walk(body, &mut |n| {
        if n.kind() == "let_declaration"
            && let (Some(pat), Some(val)) = (
                n.child_by_field_name("pattern"),
                n.child_by_field_name("value"),
            )
        {
            let vt = t(p, val);
            if path_vars.iter().any(|v| {
                vt.starts_with(&format!("{v}.into_inner()")) || vt.starts_with(&format!("{v}.0"))
            }) {
                keys.extend(pattern_names(t(p, pat)));
            }
        }
        true
    });
    // A client-chosen user id (`Path(user_id)`) names whom to act for; it is not a record key.
    let (user_keys, keys): (Vec<String>, Vec<String>) =
        keys.into_iter().partition(|k| names.is_owner_field(k));
    let vars = Vars {
        keys,
        body: body_vars,
        user: user_keys,
        principals,
    };
    body_evidence(p, names, body, &vars, &mut route);
    Some(route)
}

/// The handler's variables by origin.
struct Vars {
    /// Client-supplied record keys (path parameters).
    keys: Vec<String>,
    /// Request bodies and query structs (`Json(body)`).
    body: Vec<String>,
    /// Client-supplied user ids (`Path(user_id)`).
    user: Vec<String>,
    /// Bindings of authenticating extractors (`AuthUser(user)`).
    principals: Vec<String>,
}

impl Vars {
    /// A request-supplied user id the statement uses: `user_id` from the path, or `body.owner_id`.
    fn request_user_in(&self, st: &str) -> Option<String> {
        if let Some(u) = self.user.iter().find(|u| contains_word(st, u)) {
            return Some(format!("path parameter `{u}`"));
        }
        for v in &self.body {
            for f in ["user_id", "owner_id", "author_id", "created_by"] {
                let field = format!("{v}.{f}");
                if st.contains(&field) {
                    return Some(format!("the request `{field}`"));
                }
            }
        }
        None
    }
}

/// The WHERE clause of SQL text, lowercased.
fn where_clause(sql: &str) -> Option<String> {
    let l = sql.to_ascii_lowercase();
    l.find("where").map(|i| l[i..].to_owned())
}

fn body_evidence(p: &ParsedFile, names: &Names, body: Node<'_>, vars: &Vars, route: &mut Route) {
    let keys = &vars.keys;
    let mut lookup_vars: Vec<String> = Vec::new();
    for stmt in statements(body) {
        let st = t(p, stmt);
        let lower = st.to_ascii_lowercase();
        let principal_here =
            vars.principals.iter().any(|v| contains_word(st, v)) || names.mentions_principal(st);
        let request_user = vars.request_user_in(st);
        walk(stmt, &mut |n| {
            match n.kind() {
                "string_literal" | "raw_string_literal" => {
                    let scoped = where_clause(t(p, n)).is_some_and(|w| {
                        names
                            .owner_fields
                            .iter()
                            .any(|f| f.contains('_') && contains_word(&w, f))
                    });
                    // Scoped by the authenticated user, not by a user id the client sent.
                    if scoped && principal_here && request_user.is_none() {
                        route
                            .ownership
                            .push(ev(p, n, "query scoped to the user in SQL"));
                    } else if scoped && let Some(src) = &request_user {
                        route.request_user_ids.push(ev(
                            p,
                            stmt,
                            format!("query scoped to a user id taken from {src}"),
                        ));
                    }
                }
                "binary_expression" => {
                    let bt = t(p, n);
                    let op = n.child_by_field_name("operator").map_or("", |o| t(p, o));
                    if matches!(op, "==" | "!=")
                        && names
                            .owner_fields
                            .iter()
                            .any(|f| bt.contains(&format!(".{f}")))
                    {
                        route.ownership.push(ev(
                            p,
                            n,
                            format!("ownership check `{}`", one_line(bt)),
                        ));
                    }
                }
                "field_expression" => {
                    let field = n.child_by_field_name("field").map_or("", |f| t(p, f));
                    if names.is_privilege(field) {
                        route
                            .privilege
                            .push(ev(p, n, format!("privilege check `{}`", t(p, n))));
                    }
                }
                "call_expression" => {
                    let fname = n.child_by_field_name("function").map_or("", |f| t(p, f));
                    if names.is_privilege(fname) {
                        route.privilege.push(ev(
                            p,
                            n,
                            format!("privilege check `{}`", one_line(fname)),
                        ));
                    }
                }
                _ => {}
            }
            true
        });
        let writes = sql_writes(st)
            || lower.contains("diesel::delete")
            || lower.contains("diesel::update")
            || lower.contains(".execute(");
        if writes {
            route.writes = true;
        }
        // `DELETE FROM follow WHERE follower = $1 AND followed = $2` bound to the caller: a DELETE has no SET
        // clause, so the caller's value can only be in the WHERE clause; it deletes the caller's own rows.
        if principal_here
            && request_user.is_none()
            && lower.contains("delete from")
            && lower.contains(" where ")
        {
            route.ownership.push(ev(
                p,
                stmt,
                "delete scoped to the caller (bound in its WHERE clause)",
            ));
        }
        // diesel: `notes::owner_id.eq(user.id)` scopes the query to the authenticated user.
        if principal_here
            && request_user.is_none()
            && names
                .owner_fields
                .iter()
                .any(|f| f.contains('_') && st.contains(&format!("{f}.eq(")))
        {
            route
                .ownership
                .push(ev(p, stmt, "query scoped to the user (diesel filter)"));
        }
        let calls_mutation = has_mutation_call(p, names, stmt);
        let key = keys.iter().find(|k| contains_variable(st, k));
        if let Some(key) = key
            && (lower.contains("query")
                || lower.contains("find")
                || lower.contains("filter")
                || lower.contains("get")
                || writes
                || lower.contains("delete")
                || calls_mutation)
        {
            let mutating = sql_writes(st)
                || lower.contains("diesel::delete")
                || lower.contains("diesel::update")
                || calls_mutation;
            let var = if stmt.kind() == "let_declaration" {
                stmt.child_by_field_name("pattern")
                    .map(|x| t(p, x).trim_start_matches("mut ").to_owned())
            } else {
                None
            };
            if let Some(v) = &var {
                lookup_vars.push(v.clone());
            }
            let e = ev(
                p,
                stmt,
                format!("record selected by client-supplied `{key}`"),
            );
            if mutating {
                route
                    .mutations
                    .push(ev(p, stmt, "changed by a write query"));
            }
            route.lookups.push(Lookup {
                ev: e,
                key: key.clone(),
                var,
                mutating,
                single: loads_one(st),
                // Rust models (diesel/sqlx structs) are not resolved yet: ownership stays unknown.
                owner: None,
                via: None,
                // The caller is handed to a use case or service this front-end cannot follow.
                delegated_caller: principal_here && calls_mutation && !sql_writes(st),
                through_view: false,
            });
        } else if writes
            && lookup_vars.iter().any(|v| contains_word(st, v))
            // `insert into follow(follower, followed) values ($1, $2)` bound to the caller: a row of the caller's
            // own (a follow, a favourite), not a change to the record that was looked up.
            && !(principal_here && lower.contains("insert"))
        {
            route
                .mutations
                .push(ev(p, stmt, "looked-up record written"));
        }
        // `.set(&body)` (diesel AsChangeset from the whole request body).
        if let Some(v) = vars
            .body
            .iter()
            .find(|v| st.contains(&format!(".set(&{v}")) || st.contains(&format!(".set({v}")))
        {
            route.mass_assignment.push(ev(
                p,
                stmt,
                format!("record updated from the whole request body `{v}`"),
            ));
        }
        // A request-supplied user id written as the owner: `.bind(body.user_id)` into an INSERT/UPDATE.
        if let Some(src) = &request_user
            && (lower.contains("insert") || lower.contains("update"))
            && !route
                .request_user_ids
                .iter()
                .any(|e| e.line == p.line_of(stmt.start_byte()))
        {
            route
                .request_user_ids
                .push(ev(p, stmt, format!("owner taken from {src}")));
        }
    }
}

/// Statements of a function body in order: those of nested blocks (if/match arms) and of closure bodies
/// (`web::block(move || { … })`) replace the statement that contains them, and a block's trailing expression
/// (its value) counts as a statement.
fn statements(body: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    collect_block(body, &mut out);
    out
}

/// Closures nest without limit (`web::block(move || { web::block(move || { … }) })`), so the blocks still to
/// read are an explicit stack of (block, next child) instead of recursion.
fn collect_block<'t>(block: Node<'t>, out: &mut Vec<Node<'t>>) {
    let mut stack: Vec<(Node<'t>, usize)> = vec![(block, 0)];
    while let Some((block, i)) = stack.pop() {
        let n = block.named_child_count();
        if i >= n {
            continue;
        }
        stack.push((block, i + 1));
        let Some(child) = block.named_child(i as u32) else {
            continue;
        };
        let is_stmt = matches!(child.kind(), "let_declaration" | "expression_statement");
        let trailing = i + 1 == n && !matches!(child.kind(), "line_comment" | "block_comment");
        if !(is_stmt || trailing) {
            continue;
        }
        let inner = closure_blocks(child);
        if inner.is_empty() {
            out.push(child);
        } else {
            stack.extend(inner.into_iter().rev().map(|b| (b, 0)));
        }
    }
}

/// Block bodies of closures inside `n` (not nested deeper than the first closure).
fn closure_blocks(n: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    walk(n, &mut |c| {
        if c.kind() == "closure_expression" {
            if let Some(b) = c
                .child_by_field_name("body")
                .filter(|b| b.kind() == "block")
            {
                out.push(b);
            }
            return false;
        }
        true
    });
    out
}

/// A call in the statement whose name changes state (`db::update_note`, `repo.delete(id)`).
fn has_mutation_call(p: &ParsedFile, names: &Names, stmt: Node<'_>) -> bool {
    let mut found = false;
    walk(stmt, &mut |n| {
        if n.kind() == "call_expression"
            && let Some(f) = n.child_by_field_name("function")
        {
            let name = match f.kind() {
                "field_expression" => f.child_by_field_name("field").map_or("", |x| t(p, x)),
                "scoped_identifier" => f.child_by_field_name("name").map_or("", |x| t(p, x)),
                _ => t(p, f),
            };
            // `.set(…)` on its own is diesel's changeset builder; the write is the surrounding update.
            if name != "set" && names.is_mutation_call(name) {
                found = true;
            }
        }
        !found
    });
    found
}

/// One line of quoted code for a note: secrets redacted, then cut (see `redact::excerpt`).
fn one_line(s: &str) -> String {
    crate::redact::excerpt(&s.split_whitespace().collect::<Vec<_>>().join(" "), 70)
}

/// `web::Path<(i64,)>` → `Path`; `axum::extract::Path<i64>` → `Path`.
fn outer_type(ty: &str) -> &str {
    let head = ty
        .trim()
        .trim_start_matches('&')
        .split('<')
        .next()
        .unwrap_or("")
        .trim();
    head.rsplit("::").next().unwrap_or(head)
}

fn inner_type(ty: &str) -> &str {
    let Some(s) = ty.find('<') else { return ty };
    let inner = ty[s + 1..].trim_end_matches('>').trim();
    outer_type(inner)
}

/// Identifiers bound by a pattern: `Path(id)` → [id], `Path((a, b))` → [a, b], `path` → [path].
fn pattern_names(pat: &str) -> Vec<String> {
    let inner = match pat.find('(') {
        Some(i) => &pat[i + 1..],
        None => pat,
    };
    inner
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| {
            !w.is_empty()
                && w.chars()
                    .next()
                    .is_some_and(|c| c.is_lowercase() || c == '_')
                && *w != "mut"
                && *w != "_"
        })
        .map(str::to_owned)
        .collect()
}

/// `id` used as a variable in the statement, not only as a field of something else (`todo.id`).
fn contains_variable(st: &str, name: &str) -> bool {
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let bytes = st.as_bytes();
    st.match_indices(name).any(|(i, _)| {
        let end = i + name.len();
        let before = i.checked_sub(1).map(|j| bytes[j]);
        before.is_none_or(|b| !is_ident(b) && b != b'.')
            && bytes.get(end).is_none_or(|&b| !is_ident(b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_types_and_patterns() {
        assert_eq!(outer_type("web::Path<(i64,)>"), "Path");
        assert_eq!(inner_type("Extension<Claims>"), "Claims");
        assert_eq!(pattern_names("Path(id)"), ["id"]);
        assert_eq!(pattern_names("Path((user, note_id))"), ["user", "note_id"]);
        assert_eq!(pattern_names("mut path"), ["path"]);
    }

    #[test]
    fn finds_axum_and_actix_registrations() {
        let r = registrations(
            ".route(\"/todos/:id\", put(update_todo).delete(handlers::delete_todo))\n.service(web::resource(\"/n/{id}\").route(web::delete().to(remove)))",
        );
        assert_eq!(r.get("update_todo").map(|x| x.0.as_str()), Some("PUT"));
        assert_eq!(r.get("delete_todo").map(|x| x.0.as_str()), Some("DELETE"));
        assert_eq!(r.get("remove").map(|x| x.0.as_str()), Some("DELETE"));
    }
}
