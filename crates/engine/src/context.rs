//! The names around a query match, for the `[[query.context]]` requirements of a rule: what a value is built from
//! (`md5(password)`), where it goes (`reset_token = …`, `set_cookie("sid", …)`, `return`), which function and class
//! it is in, and where the variable it is assigned to goes next. A rule's regexes judge these names: a digest
//! assigned to `etag` is not one assigned to `token`.
//!
//! This is a syntactic heuristic, deliberately shallow (one statement up, two assignment hops forward), and every
//! name carries the reason shown in the finding. The alternative — sources and sinks in the taint engine — needs
//! a source kind per purpose word and cannot see names at all; names are exactly what tells an `ETag` from a token.
//! All walks are iterative (parent links, [`walk`]) with caps, never recursion on input depth.

use secreview_rules::ContextRule;
use secreview_rules::schema::ContextSource;
use secreview_syntax::{Lang, ParsedFile, named_children, walk};
use tree_sitter::Node;

use crate::redact::excerpt;

/// Most nodes looked at inside a match for `inner` names.
const MAX_INNER_NODES: usize = 2000;
/// Most ancestors walked for `outer` names.
const MAX_OUTER_LEVELS: usize = 64;
/// Most uses of an assigned variable followed, per hop.
const MAX_USES: usize = 16;
/// Assignment hops followed by `uses` (`h = md5()` → `h.update(pw)`; `v = random()` → `token = v` → `save(token)`).
const MAX_HOPS: usize = 2;

/// A name and why it is there (``assigned to `reset_token` ``).
#[derive(Debug, Clone)]
pub(crate) struct Named {
    pub name: String,
    pub reason: String,
}

/// The reasons a match satisfies every requirement, or `None` when one fails.
pub(crate) fn check(
    parsed: &ParsedFile,
    node: Node<'_>,
    rules: &[ContextRule],
) -> Option<Vec<String>> {
    let mut cache: [Option<Vec<Named>>; 7] = Default::default();
    let mut reasons = Vec::new();
    for rule in rules {
        let mut found: Option<String> = None;
        for &source in &rule.from {
            let names = cache[slot(source)].get_or_insert_with(|| collect(parsed, node, source));
            if let Some(unless) = &rule.unless
                && names.iter().any(|n| unless.is_match(&n.name))
            {
                return None;
            }
            if found.is_none()
                && let Some(rx) = &rule.names
            {
                found = names
                    .iter()
                    .find(|n| {
                        rx.is_match(&n.name)
                            && !rule.not_names.as_ref().is_some_and(|x| x.is_match(&n.name))
                    })
                    .map(|n| n.reason.clone());
            }
        }
        if rule.absent {
            if found.is_some() {
                return None;
            }
            continue;
        }
        match (&rule.names, found) {
            (Some(_), None) => return None,
            (_, Some(r)) => {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
            (None, None) => {}
        }
    }
    Some(reasons)
}

fn slot(s: ContextSource) -> usize {
    match s {
        ContextSource::Inner => 0,
        ContextSource::Outer => 1,
        ContextSource::Function => 2,
        ContextSource::Decorators => 3,
        ContextSource::Uses => 4,
        ContextSource::Except => 5,
        ContextSource::Conditions => 6,
    }
}

fn collect(parsed: &ParsedFile, node: Node<'_>, source: ContextSource) -> Vec<Named> {
    let s = Syntax::of(parsed.lang);
    let mut out = Vec::new();
    match source {
        ContextSource::Inner => inner(parsed, &s, node, "", &mut out),
        ContextSource::Outer => {
            outer(parsed, &s, node, "", &mut out);
        }
        ContextSource::Function => function(parsed, &s, node, &mut out),
        ContextSource::Decorators => decorators(parsed, &s, node, &mut out),
        ContextSource::Uses => uses(parsed, &s, node, &mut out),
        ContextSource::Except => caught(parsed, node, &mut out),
        ContextSource::Conditions => conditions(parsed, node, &mut out),
    }
    out
}

/// The node kinds of one grammar that the walks care about.
struct Syntax {
    lang: Lang,
    /// Where the statement a match belongs to ends.
    stops: &'static [&'static str],
    functions: &'static [&'static str],
    scopes: &'static [&'static str],
}

impl Syntax {
    fn of(lang: Lang) -> Syntax {
        match lang {
            Lang::Python => Syntax {
                lang,
                stops: &[
                    "block",
                    "module",
                    "function_definition",
                    "class_definition",
                    "decorated_definition",
                ],
                functions: &["function_definition"],
                scopes: &["function_definition", "module"],
            },
            Lang::Rust => Syntax {
                lang,
                stops: &[
                    "expression_statement",
                    "function_item",
                    "source_file",
                    "declaration_list",
                    "static_item",
                    "const_item",
                ],
                functions: &["function_item"],
                scopes: &["function_item", "closure_expression", "source_file"],
            },
        }
    }
}

fn text<'a>(parsed: &'a ParsedFile, n: Node<'_>) -> &'a str {
    parsed.text(n)
}

/// `via` prefixes the reasons found through a use of a variable (`via `h` (line 7): `).
fn push(out: &mut Vec<Named>, name: &str, via: &str, reason: impl AsRef<str>) {
    if name.is_empty() || out.iter().any(|n| n.name == name) {
        return;
    }
    out.push(Named {
        name: name.to_owned(),
        reason: format!("{via}{}", reason.as_ref()),
    });
}

/// A string literal's content when it reads like a name (`"password"`, `"session_id"`), not prose.
fn name_like(s: &str) -> Option<&str> {
    let s = s.trim_matches(|c| c == '"' || c == '\'');
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ok.then_some(s)
}

/// The content of a Python or Rust string literal node (no prefix, quotes or interpolation).
fn string_content(parsed: &ParsedFile, n: Node<'_>) -> String {
    named_children(n)
        .filter(|c| c.kind() == "string_content")
        .map(|c| text(parsed, c))
        .collect()
}

fn last_name(s: &str) -> &str {
    let s = s.rsplit('.').next().unwrap_or(s);
    s.rsplit("::").next().unwrap_or(s)
}

/// A callee's display name: its last path segment.
fn callee_name(parsed: &ParsedFile, f: Node<'_>) -> String {
    let t = match f.kind() {
        "attribute" => f.child_by_field_name("attribute"),
        "field_expression" => f.child_by_field_name("field"),
        "scoped_identifier" => f.child_by_field_name("name"),
        "generic_function" => f.child_by_field_name("function"),
        _ => Some(f),
    };
    t.map(|t| last_name(text(parsed, t)).to_owned())
        .unwrap_or_default()
}

// ------------------------------------------------------------------------------------------------------------------
// inner: what the match is built from
// ------------------------------------------------------------------------------------------------------------------

fn inner(parsed: &ParsedFile, s: &Syntax, node: Node<'_>, via: &str, out: &mut Vec<Named>) {
    let mut seen = 0usize;
    walk(node, &mut |n| {
        seen += 1;
        if seen > MAX_INNER_NODES {
            return false;
        }
        match n.kind() {
            "identifier" | "field_identifier" | "shorthand_field_identifier" => {
                let t = text(parsed, n);
                push(out, t, via, format!("built from `{t}`"));
            }
            "string" if s.lang == Lang::Python && is_key_string(parsed, n) => {
                if let Some(k) = name_like(&string_content(parsed, n)) {
                    push(out, k, via, format!("built from `\"{k}\"`"));
                }
            }
            "string_literal" if s.lang == Lang::Rust => {
                let content = string_content(parsed, n);
                if in_macro(n) {
                    // `info!("token {token}")`: inline format arguments are names the grammar cannot see.
                    for name in inline_format_args(&content) {
                        push(out, name, via, format!("built from `{name}`"));
                    }
                } else if is_key_string(parsed, n)
                    && let Some(k) = name_like(&content)
                {
                    push(out, k, via, format!("built from `\"{k}\"`"));
                }
            }
            _ => {}
        }
        true
    });
}

/// A string that names something rather than saying it: a subscript key, a dict key, the key of a `.get(…)`.
fn is_key_string(parsed: &ParsedFile, n: Node<'_>) -> bool {
    let Some(p) = n.parent() else { return false };
    match p.kind() {
        "subscript" | "index_expression" => true,
        "pair" => p.child_by_field_name("key") == Some(n),
        "argument_list" | "arguments" => p.parent().is_some_and(|call| {
            call.child_by_field_name("function").is_some_and(|f| {
                matches!(
                    callee_name(parsed, f).as_str(),
                    "get" | "pop" | "getlist" | "getattr" | "getenv" | "get_one" | "remove" | "var"
                )
            })
        }),
        _ => false,
    }
}

fn in_macro(n: Node<'_>) -> bool {
    n.parent().is_some_and(|p| p.kind() == "token_tree")
}

/// `{name}` and `{name:?}` in a Rust format string.
fn inline_format_args(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            out.push(name);
        }
        rest = &rest[end..];
    }
    out
}

// ------------------------------------------------------------------------------------------------------------------
// outer: where the match goes
// ------------------------------------------------------------------------------------------------------------------

/// Collects the outer names of `node`; returns the variable the value is assigned to, if any (for `uses`).
fn outer<'t>(
    parsed: &ParsedFile,
    s: &Syntax,
    node: Node<'t>,
    via: &str,
    out: &mut Vec<Named>,
) -> Option<(String, Node<'t>)> {
    let mut bound = None;
    let mut cur = node;
    for _ in 0..MAX_OUTER_LEVELS {
        let Some(p) = cur.parent() else { break };
        if s.stops.contains(&p.kind()) {
            break;
        }
        match s.lang {
            Lang::Python => outer_python(parsed, p, cur, via, out, &mut bound),
            Lang::Rust => {
                if !outer_rust(parsed, p, cur, via, out, &mut bound) {
                    break;
                }
            }
        }
        cur = p;
    }
    bound
}

fn outer_python<'t>(
    parsed: &ParsedFile,
    p: Node<'t>,
    cur: Node<'t>,
    via: &str,
    out: &mut Vec<Named>,
    bound: &mut Option<(String, Node<'t>)>,
) {
    match p.kind() {
        "keyword_argument" if p.child_by_field_name("value") == Some(cur) => {
            if let Some(k) = p.child_by_field_name("name") {
                let k = text(parsed, k);
                push(out, k, via, format!("passed as `{k}=`"));
            }
        }
        "pair" if p.child_by_field_name("value") == Some(cur) => {
            if let Some(k) = p.child_by_field_name("key") {
                let key = if k.kind() == "string" {
                    string_content(parsed, k)
                } else {
                    text(parsed, k).to_owned()
                };
                if let Some(key) = name_like(&key) {
                    push(out, key, via, format!("stored under `\"{key}\"`"));
                }
            }
        }
        "assignment" | "augmented_assignment" if p.child_by_field_name("right") == Some(cur) => {
            if let Some(left) = p.child_by_field_name("left") {
                targets_python(parsed, left, via, out);
                if left.kind() == "identifier" && bound.is_none() {
                    *bound = Some((text(parsed, left).to_owned(), p));
                }
            }
        }
        "attribute" if p.child_by_field_name("object") == Some(cur) => {
            if let Some(a) = p.child_by_field_name("attribute") {
                let a = text(parsed, a);
                push(out, a, via, format!("`.{a}` of it"));
            }
        }
        "call" if p.child_by_field_name("arguments") == Some(cur) => {
            call_names(parsed, p, cur, via, out);
        }
        "return_statement" => push(out, "return", via, returned(parsed, p, "returned")),
        "yield" => push(out, "return", via, returned(parsed, p, "yielded")),
        _ => {}
    }
}

/// The assignment targets of `left`: names, attributes (`user.reset_token`), subscripts (`session["otp"]`).
fn targets_python(parsed: &ParsedFile, left: Node<'_>, via: &str, out: &mut Vec<Named>) {
    let mut stack = vec![left];
    while let Some(t) = stack.pop() {
        match t.kind() {
            "identifier" => {
                let n = text(parsed, t);
                push(out, n, via, format!("assigned to `{n}`"));
            }
            "attribute" => {
                if let Some(a) = t.child_by_field_name("attribute") {
                    let whole = excerpt(text(parsed, t), 40);
                    push(out, text(parsed, a), via, format!("assigned to `{whole}`"));
                }
            }
            "subscript" => {
                let Some(v) = t.child_by_field_name("value") else {
                    continue;
                };
                let container = excerpt(text(parsed, v), 40);
                let key = t
                    .child_by_field_name("subscript")
                    .filter(|k| k.kind() == "string")
                    .map(|k| string_content(parsed, k));
                if let Some(k) = key.as_deref().and_then(name_like) {
                    push(out, k, via, format!("stored in `{container}[\"{k}\"]`"));
                }
                push(
                    out,
                    last_name(&container),
                    via,
                    format!("stored in `{container}[…]`"),
                );
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                stack.extend(named_children(t));
            }
            _ => {}
        }
    }
}

/// A call the value is passed to: its name, and its short string arguments (a cookie's name, a header's name).
fn call_names(
    parsed: &ParsedFile,
    call: Node<'_>,
    args: Node<'_>,
    via: &str,
    out: &mut Vec<Named>,
) {
    let Some(f) = call.child_by_field_name("function") else {
        return;
    };
    let name = callee_name(parsed, f);
    if name.is_empty() {
        return;
    }
    let shown = if call.kind() == "macro_invocation" {
        format!("{name}!")
    } else {
        format!("{name}()")
    };
    push(out, &name, via, format!("passed to `{shown}`"));
    for a in named_children(args) {
        if !matches!(a.kind(), "string" | "string_literal") {
            continue;
        }
        if let Some(k) = name_like(&string_content(parsed, a)) {
            let reason = format!("passed to `{name}(\"{k}\", …)`");
            push(out, k, via, reason);
        }
    }
}

/// ``returned by `generate_token()` `` (or just `returned` outside a function).
fn returned(parsed: &ParsedFile, n: Node<'_>, verb: &str) -> String {
    let mut cur = n.parent();
    while let Some(p) = cur {
        if matches!(p.kind(), "function_definition" | "function_item")
            && let Some(name) = p.child_by_field_name("name")
        {
            return format!("{verb} by `{}()`", text(parsed, name));
        }
        cur = p.parent();
    }
    verb.to_owned()
}

/// Rust: false stops the walk (the value is a statement's, not flowing further).
fn outer_rust<'t>(
    parsed: &ParsedFile,
    p: Node<'t>,
    cur: Node<'t>,
    via: &str,
    out: &mut Vec<Named>,
    bound: &mut Option<(String, Node<'t>)>,
) -> bool {
    match p.kind() {
        "let_declaration" => {
            if p.child_by_field_name("value") == Some(cur)
                && let Some(pat) = p.child_by_field_name("pattern")
            {
                let mut stack = vec![pat];
                while let Some(t) = stack.pop() {
                    if t.kind() == "identifier" {
                        let n = text(parsed, t);
                        push(out, n, via, format!("assigned to `{n}`"));
                        if bound.is_none() {
                            *bound = Some((n.to_owned(), p));
                        }
                    } else {
                        stack.extend(named_children(t));
                    }
                }
            }
            return false;
        }
        "assignment_expression" | "compound_assignment_expr" => {
            if p.child_by_field_name("right") == Some(cur)
                && let Some(left) = p.child_by_field_name("left")
            {
                let name = match left.kind() {
                    "field_expression" => left.child_by_field_name("field"),
                    "index_expression" => left.named_child(0),
                    _ => Some(left),
                };
                if let Some(name) = name {
                    let whole = excerpt(text(parsed, left), 40);
                    push(
                        out,
                        last_name(text(parsed, name)),
                        via,
                        format!("assigned to `{whole}`"),
                    );
                }
            }
            return false;
        }
        "field_initializer" => {
            if let Some(f) = p.child_by_field_name("field") {
                let f = text(parsed, f);
                push(out, f, via, format!("stored in field `{f}`"));
            }
        }
        "field_expression" if p.child_by_field_name("value") == Some(cur) => {
            if let Some(f) = p.child_by_field_name("field") {
                let f = text(parsed, f);
                push(out, f, via, format!("`.{f}` of it"));
            }
        }
        "call_expression" if p.child_by_field_name("arguments") == Some(cur) => {
            call_names(parsed, p, cur, via, out);
        }
        "macro_invocation" => {
            if let Some(m) = p.child_by_field_name("macro") {
                let m = last_name(text(parsed, m));
                push(out, m, via, format!("passed to `{m}!`"));
            }
        }
        "return_expression" => push(out, "return", via, returned(parsed, p, "returned")),
        "block" => {
            // Only a block's tail expression is its value.
            let is_tail = p.named_child(p.named_child_count().saturating_sub(1) as u32)
                == Some(cur)
                && cur.kind() != "expression_statement";
            if !is_tail {
                return false;
            }
            if p.parent().is_some_and(|f| f.kind() == "function_item") {
                push(out, "return", via, returned(parsed, p, "returned"));
                return false;
            }
        }
        _ => {}
    }
    true
}

// ------------------------------------------------------------------------------------------------------------------
// function, decorators
// ------------------------------------------------------------------------------------------------------------------

fn function(parsed: &ParsedFile, s: &Syntax, node: Node<'_>, out: &mut Vec<Named>) {
    let mut cur = node.parent();
    while let Some(p) = cur {
        match p.kind() {
            "function_definition" | "function_item" | "class_definition" | "trait_item" => {
                if let Some(n) = p.child_by_field_name("name") {
                    let n = text(parsed, n);
                    let reason = if s.functions.contains(&p.kind()) {
                        format!("inside `{n}()`")
                    } else {
                        format!("in `{n}`")
                    };
                    push(out, n, "", reason);
                }
            }
            "impl_item" => {
                if let Some(t) = p.child_by_field_name("type") {
                    let t = text(parsed, t);
                    let t = t.split('<').next().unwrap_or(t);
                    push(out, last_name(t), "", format!("in `impl {t}`"));
                }
            }
            _ => {}
        }
        cur = p.parent();
    }
}

/// The exception types of the enclosing `except` clauses, innermost first (Python).
fn caught(parsed: &ParsedFile, node: Node<'_>, out: &mut Vec<Named>) {
    let mut cur = node.parent();
    while let Some(p) = cur {
        if matches!(p.kind(), "function_definition" | "class_definition") {
            return;
        }
        if p.kind() == "except_clause" {
            let ty = p.child_by_field_name("value").or_else(|| {
                named_children(p).find(|c| c.kind() != "block" && c.kind() != "comment")
            });
            let ty = ty.map(|t| {
                if t.kind() == "as_pattern" {
                    t.named_child(0).unwrap_or(t)
                } else {
                    t
                }
            });
            match ty {
                None => push(out, "BaseException", "", "caught by a bare `except:`"),
                Some(t) => {
                    let mut stack = vec![t];
                    while let Some(n) = stack.pop() {
                        match n.kind() {
                            "identifier" | "attribute" => {
                                let name = last_name(text(parsed, n));
                                push(out, name, "", format!("caught as `{name}`"));
                            }
                            _ => stack.extend(named_children(n)),
                        }
                    }
                }
            }
        }
        cur = p.parent();
    }
}

/// The names tested by the enclosing conditions, up to the enclosing function: the `if` whose branch (any branch:
/// an `else` depends on the test as much as the `then`) holds the match, and its `elif`s.
fn conditions(parsed: &ParsedFile, node: Node<'_>, out: &mut Vec<Named>) {
    let mut cur = node;
    while let Some(p) = cur.parent() {
        if matches!(
            p.kind(),
            "function_definition" | "function_item" | "class_definition"
        ) {
            return;
        }
        let tests: Vec<Node<'_>> = match p.kind() {
            "if_statement" | "while_statement" | "if_expression" | "while_expression" => {
                let mut t: Vec<Node<'_>> = p.child_by_field_name("condition").into_iter().collect();
                t.extend(
                    named_children(p)
                        .filter(|c| c.kind() == "elif_clause")
                        .filter_map(|c| c.child_by_field_name("condition")),
                );
                t
            }
            "conditional_expression" => named_children(p).nth(1).into_iter().collect(),
            "match_expression" => p.child_by_field_name("value").into_iter().collect(),
            _ => Vec::new(),
        };
        // The test itself is not "under" the condition.
        if !tests
            .iter()
            .any(|t| t.start_byte() <= cur.start_byte() && cur.end_byte() <= t.end_byte())
        {
            for t in tests {
                let shown = excerpt(text(parsed, t).lines().next().unwrap_or(""), 40);
                walk(t, &mut |n| {
                    if matches!(n.kind(), "identifier" | "field_identifier") {
                        push(out, text(parsed, n), "", format!("only when `{shown}`"));
                    }
                    true
                });
            }
        }
        cur = p;
    }
}

/// The nearest ancestor of `node` whose kind is one of `kinds` (a function, a scope).
fn nearest_ancestor<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut cur = node.parent();
    while let Some(p) = cur {
        if kinds.contains(&p.kind()) {
            return Some(p);
        }
        cur = p.parent();
    }
    None
}

fn decorators(parsed: &ParsedFile, s: &Syntax, node: Node<'_>, out: &mut Vec<Named>) {
    let Some(f) = nearest_ancestor(node, s.functions) else {
        return;
    };
    match s.lang {
        Lang::Python => {
            let Some(d) = f.parent().filter(|p| p.kind() == "decorated_definition") else {
                return;
            };
            for dec in named_children(d).filter(|c| c.kind() == "decorator") {
                let Some(e) = dec.named_child(0) else {
                    continue;
                };
                let e = if e.kind() == "call" {
                    e.child_by_field_name("function").unwrap_or(e)
                } else {
                    e
                };
                let whole = excerpt(text(parsed, e), 40);
                push(
                    out,
                    last_name(text(parsed, e)),
                    "",
                    format!("decorated `@{whole}`"),
                );
            }
        }
        Lang::Rust => {
            let mut prev = f.prev_named_sibling();
            while let Some(a) = prev.filter(|a| a.kind() == "attribute_item") {
                if let Some(path) = a.named_child(0).and_then(|attr| attr.named_child(0)) {
                    let whole = text(parsed, path);
                    push(out, last_name(whole), "", format!("attribute `#[{whole}]`"));
                }
                prev = a.prev_named_sibling();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------------------------
// uses: where the variable the match is assigned to goes next
// ------------------------------------------------------------------------------------------------------------------

fn uses(parsed: &ParsedFile, s: &Syntax, node: Node<'_>, out: &mut Vec<Named>) {
    let mut scratch = Vec::new();
    let Some(mut binding) = outer(parsed, s, node, "", &mut scratch) else {
        return;
    };
    for _ in 0..MAX_HOPS {
        let (var, stmt) = &binding;
        let Some(scope) = nearest_ancestor(*stmt, s.scopes) else {
            return;
        };
        let mut next = None;
        for u in later_uses(parsed, s, scope, var, *stmt) {
            let line = parsed.line_of(u.start_byte());
            let via = format!("via `{var}` (line {line}): ");
            if let Some(b) = outer(parsed, s, u, &via, out)
                && next.is_none()
                && b.0 != *var
            {
                next = Some(b);
            }
            // `h.update(password)`: what a method called on the variable takes in.
            if let Some(call) = method_call_on(s, u)
                && let Some(args) = call.child_by_field_name("arguments")
            {
                inner(parsed, s, args, &via, out);
            }
        }
        match next {
            Some(b) => binding = b,
            None => return,
        }
    }
}

/// Identifier uses of `var` in `scope` after `stmt`, up to the next assignment that rebinds it.
fn later_uses<'t>(
    parsed: &ParsedFile,
    s: &Syntax,
    scope: Node<'t>,
    var: &str,
    stmt: Node<'t>,
) -> Vec<Node<'t>> {
    let after = stmt.end_byte();
    let mut found = Vec::new();
    let mut rebound_at = usize::MAX;
    walk(scope, &mut |n| {
        if n.end_byte() <= after || n.start_byte() >= rebound_at {
            return n.end_byte() > after && n.start_byte() < rebound_at;
        }
        if n.kind() == "identifier" && text(parsed, n) == var {
            if is_rebinding(s, n) {
                rebound_at = rebound_at.min(n.start_byte());
            } else if found.len() < MAX_USES {
                found.push(n);
            }
        }
        true
    });
    found.retain(|u| u.start_byte() < rebound_at);
    found
}

fn is_rebinding(s: &Syntax, n: Node<'_>) -> bool {
    let Some(p) = n.parent() else { return false };
    match s.lang {
        Lang::Python => p.kind() == "assignment" && p.child_by_field_name("left") == Some(n),
        Lang::Rust => p.kind() == "let_declaration" && p.child_by_field_name("pattern") == Some(n),
    }
}

/// The call when `u` is the receiver of a method call (`u.update(…)`).
fn method_call_on<'t>(s: &Syntax, u: Node<'t>) -> Option<Node<'t>> {
    let (access, field) = match s.lang {
        Lang::Python => ("attribute", "object"),
        Lang::Rust => ("field_expression", "value"),
    };
    let a = u.parent().filter(|a| a.kind() == access)?;
    if a.child_by_field_name(field) != Some(u) {
        return None;
    }
    let call = a.parent()?;
    (call.child_by_field_name("function") == Some(a)).then_some(call)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(lang: Lang, src: &str, needle: &str, source: ContextSource) -> Vec<(String, String)> {
        let parsed = secreview_syntax::parse(lang, src.to_owned()).unwrap();
        let start = src.find(needle).unwrap();
        let node = parsed
            .tree
            .root_node()
            .descendant_for_byte_range(start, start + needle.len())
            .unwrap();
        collect(&parsed, node, source)
            .into_iter()
            .map(|n| (n.name, n.reason))
            .collect()
    }

    fn has(v: &[(String, String)], name: &str, reason: &str) -> bool {
        v.iter().any(|(n, r)| n == name && r == reason)
    }

    #[test]
    fn outer_names_say_where_a_python_value_goes() {
        let src = "def f():\n    user.reset_token = str(random.random())\n    resp.set_cookie(\"sid\", make(), secure=False)\n    return {\"otp\": gen()}\n";
        let v = names(Lang::Python, src, "random.random()", ContextSource::Outer);
        assert!(
            has(&v, "reset_token", "assigned to `user.reset_token`"),
            "{v:?}"
        );
        assert!(has(&v, "str", "passed to `str()`"), "{v:?}");
        let v = names(Lang::Python, src, "make()", ContextSource::Outer);
        assert!(
            has(&v, "sid", "passed to `set_cookie(\"sid\", …)`"),
            "{v:?}"
        );
        let v = names(Lang::Python, src, "gen()", ContextSource::Outer);
        assert!(has(&v, "otp", "stored under `\"otp\"`"), "{v:?}");
        assert!(has(&v, "return", "returned by `f()`"), "{v:?}");
    }

    #[test]
    fn uses_follow_the_assigned_variable_two_hops() {
        let src = "def f(pw):\n    h = hashlib.md5()\n    h.update(pw)\n    digest = h.hexdigest()\n    session[\"k\"] = digest\n    h = other()\n    h.update(token)\n";
        let v = names(Lang::Python, src, "hashlib.md5()", ContextSource::Uses);
        assert!(has(&v, "pw", "via `h` (line 3): built from `pw`"), "{v:?}");
        assert!(
            has(&v, "digest", "via `h` (line 4): assigned to `digest`"),
            "{v:?}"
        );
        assert!(
            has(
                &v,
                "session",
                "via `digest` (line 5): stored in `session[…]`"
            ),
            "{v:?}"
        );
        assert!(
            !v.iter().any(|(n, _)| n == "token"),
            "a rebinding ends the uses: {v:?}"
        );
    }

    #[test]
    fn except_names_the_caught_types() {
        let src = "def f():\n    try:\n        g()\n    except (ValueError, db.IntegrityError) as e:\n        return str(e)\n    except:\n        return h()\n";
        let v = names(Lang::Python, src, "str(e)", ContextSource::Except);
        assert!(has(&v, "ValueError", "caught as `ValueError`"), "{v:?}");
        assert!(
            has(&v, "IntegrityError", "caught as `IntegrityError`"),
            "{v:?}"
        );
        let v = names(Lang::Python, src, "h()", ContextSource::Except);
        assert!(
            has(&v, "BaseException", "caught by a bare `except:`"),
            "{v:?}"
        );
    }

    #[test]
    fn conditions_name_what_a_branch_depends_on() {
        let src = "def f(cfg):\n    if cfg.insecure:\n        a()\n    elif x:\n        pass\n    else:\n        b()\n    c()\n";
        let v = names(Lang::Python, src, "b()", ContextSource::Conditions);
        assert!(has(&v, "insecure", "only when `cfg.insecure`"), "{v:?}");
        assert!(has(&v, "x", "only when `x`"), "{v:?}");
        assert!(names(Lang::Python, src, "c()", ContextSource::Conditions).is_empty());
        let rs = "fn f(c: &Config) { if c.insecure { b.danger(true); } }\n";
        let v = names(Lang::Rust, rs, "b.danger(true)", ContextSource::Conditions);
        assert!(has(&v, "insecure", "only when `c.insecure`"), "{v:?}");
    }

    #[test]
    fn rust_names_cover_lets_fields_tails_and_format_args() {
        let src = "#[get(\"/\")]\nfn issue_token() -> String {\n    let t = Token { value: fastrand::u64(..) };\n    info!(\"token {token:?}\");\n    hex::encode(rng.gen())\n}\n";
        let v = names(Lang::Rust, src, "fastrand::u64(..)", ContextSource::Outer);
        assert!(has(&v, "value", "stored in field `value`"), "{v:?}");
        assert!(has(&v, "t", "assigned to `t`"), "{v:?}");
        let v = names(Lang::Rust, src, "rng.gen()", ContextSource::Outer);
        assert!(has(&v, "return", "returned by `issue_token()`"), "{v:?}");
        let v = names(
            Lang::Rust,
            src,
            "info!(\"token {token:?}\")",
            ContextSource::Inner,
        );
        assert!(has(&v, "token", "built from `token`"), "{v:?}");
        let v = names(Lang::Rust, src, "rng.gen()", ContextSource::Decorators);
        assert!(has(&v, "get", "attribute `#[get]`"), "{v:?}");
        let v = names(Lang::Rust, src, "rng.gen()", ContextSource::Function);
        assert!(has(&v, "issue_token", "inside `issue_token()`"), "{v:?}");
    }
}
