//! Rust → IR. Rust is expression-oriented; the lowering turns `if`, `match`, blocks and loops into statements,
//! carrying where a block's tail value goes ([`Tail`]): a function body's tail is returned, a block used as a
//! value ends in [`StmtKind::Value`], a block in statement position drops it.
//!
//! Macro arguments are token trees, not expressions: [`token_args`] reads a comma-separated list of simple
//! expressions (names, paths, literals, field accesses, calls, `?`, `.await`) and keeps anything else as an
//! [`ExprKind::Opaque`] of the names and literals it mentions.

use tree_sitter::Node;

use super::python::{bool_op, concat};
use super::{
    Arm, Assign, Attr, AugAssign, BinOp, BoolOp, BoolOpKind, Call, Class, ClassKind, Compare,
    Container, ContainerKind, Cx, Expr, ExprKind, Field, Function, If, Import, Index, Kwarg,
    Lambda, Let, Lit, LitKind, Loop, LoopKind, Match, Mod, Module, Param, ParamKind, Span, Stmt,
    StmtKind, StrBuild, StrBuildKind, Ty, kids,
};
use crate::{Lang, ParsedFile};

static FIELDS: std::sync::LazyLock<super::Fields> =
    std::sync::LazyLock::new(|| super::Fields::new(Lang::Rust));

/// `child_by_field_name` through the cached field ids of the Rust grammar.
trait FieldOf<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> FieldOf<'t> for Node<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>> {
        FIELDS.child(*self, name)
    }
}

pub fn lower(file: &ParsedFile) -> Module<'_> {
    let mut cx = Cx::new(file);
    let body = items(&mut cx, file.tree.root_node());
    Module {
        lang: Lang::Rust,
        imports: cx.imports,
        body,
        depth_capped: cx.capped,
    }
}

/// Where a block's tail expression goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tail {
    Discard,
    Return,
    Value,
}

/// Macros that end the program: in statement position they are a [`StmtKind::Raise`].
const DIVERGING_MACROS: &[&str] = &["panic", "unreachable", "todo", "unimplemented"];

/// Macros whose first string literal is a format template (`write!(f, "…", x)`: the template is the second
/// argument). `format!` and `format_args!` are the string they build; the others take it as an argument.
const FORMAT_MACROS: &[&str] = &[
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "anyhow",
    "bail",
    "ensure",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
];

/// The items of a file, module or block-level item list, attaching each `#[…]` to the item after it.
fn items<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Vec<Stmt<'a>> {
    let mut out = Vec::new();
    let mut attrs = Vec::new();
    for child in kids(node) {
        if child.kind() == "attribute_item" {
            attrs.extend(attribute(cx, child));
            continue;
        }
        item(cx, child, std::mem::take(&mut attrs), &mut out);
    }
    out
}

/// The statements of a block, its tail going where `tail` says.
fn block<'a>(cx: &mut Cx<'a>, node: Node<'_>, tail: Tail) -> Vec<Stmt<'a>> {
    let mut out = Vec::new();
    let mut attrs = Vec::new();
    let children: Vec<Node<'_>> = kids(node).collect();
    let last = children.len().saturating_sub(1);
    for (i, child) in children.into_iter().enumerate() {
        if child.kind() == "attribute_item" {
            attrs.extend(attribute(cx, child));
            continue;
        }
        if i == last && is_expression(child) {
            stmt_expr(cx, child, tail, &mut out);
        } else if i == last && is_block_tail(child) {
            // `… { match x { … } }`: a block-like expression ending a block is its tail, though tree-sitter
            // wraps it in a statement.
            if let Some(inner) = kids(child).next() {
                stmt_expr(cx, inner, tail, &mut out);
            }
        } else {
            item(cx, child, std::mem::take(&mut attrs), &mut out);
        }
    }
    out
}

/// An expression statement without a `;`: a block-like expression (`if`, `match`, `unsafe { … }`).
fn is_block_tail(node: Node<'_>) -> bool {
    node.kind() == "expression_statement"
        && node
            .child(node.child_count().saturating_sub(1))
            .is_some_and(|c| c.kind() != ";")
}

/// A block's value tail is a bare expression; everything else in a block is a statement or an item.
fn is_expression(node: Node<'_>) -> bool {
    !matches!(
        node.kind(),
        "expression_statement"
            | "let_declaration"
            | "empty_statement"
            | "function_item"
            | "function_signature_item"
            | "struct_item"
            | "union_item"
            | "enum_item"
            | "impl_item"
            | "trait_item"
            | "mod_item"
            | "use_declaration"
            | "const_item"
            | "static_item"
            | "type_item"
            | "extern_crate_declaration"
            | "macro_definition"
            | "inner_attribute_item"
            | "foreign_mod_item"
            | "ERROR"
    )
}

fn push<'a>(cx: &Cx<'a>, node: Node<'_>, out: &mut Vec<Stmt<'a>>, kind: StmtKind<'a>) {
    out.push(Stmt {
        span: cx.span(node),
        kind,
    });
}

fn capped<'a>(cx: &Cx<'a>, node: Node<'_>, out: &mut Vec<Stmt<'a>>) {
    push(cx, node, out, StmtKind::Expr(Expr::unknown(cx.span(node))));
}

fn item<'a>(cx: &mut Cx<'a>, node: Node<'_>, attrs: Vec<Expr<'a>>, out: &mut Vec<Stmt<'a>>) {
    if !cx.enter() {
        capped(cx, node, out);
        return;
    }
    item_inner(cx, node, attrs, out);
    cx.leave();
}

fn item_inner<'a>(cx: &mut Cx<'a>, node: Node<'_>, attrs: Vec<Expr<'a>>, out: &mut Vec<Stmt<'a>>) {
    let kind = match node.kind() {
        "expression_statement" => {
            if let Some(inner) = kids(node).next() {
                stmt_expr(cx, inner, Tail::Discard, out);
            }
            return;
        }
        "let_declaration" => {
            let targets = node
                .field("pattern")
                .map(|p| vec![pattern(cx, p)])
                .unwrap_or_default();
            StmtKind::Assign(Box::new(Assign {
                targets,
                value: node.field("value").map(|v| expr(cx, v)),
                annotation: node.field("type").map(|t| ty(cx, t)),
                else_: node
                    .field("alternative")
                    .map(|b| block(cx, b, Tail::Discard))
                    .unwrap_or_default(),
            }))
        }
        "const_item" | "static_item" => StmtKind::Assign(Box::new(Assign {
            targets: node
                .field("name")
                .map(|n| vec![name_expr(cx, n)])
                .unwrap_or_default(),
            value: node.field("value").map(|v| expr(cx, v)),
            annotation: node.field("type").map(|t| ty(cx, t)),
            else_: Vec::new(),
        })),
        // `type Caller = Extension<User>;`: an alias is an assignment of the type, as in Python.
        "type_item" => StmtKind::Assign(Box::new(Assign {
            targets: node
                .field("name")
                .map(|n| vec![name_expr(cx, n)])
                .unwrap_or_default(),
            value: node.field("type").map(|t| type_expr(cx, t)),
            annotation: None,
            else_: Vec::new(),
        })),
        "function_item" | "function_signature_item" => {
            StmtKind::FunctionDef(Box::new(function(cx, node, attrs)))
        }
        "struct_item" | "union_item" => StmtKind::ClassDef(Box::new(structure(cx, node, attrs))),
        "enum_item" => StmtKind::ClassDef(Box::new(enumeration(cx, node, attrs))),
        "impl_item" | "trait_item" => StmtKind::ClassDef(Box::new(implementation(cx, node, attrs))),
        "mod_item" => StmtKind::Mod(Box::new(module(cx, node, attrs))),
        "use_declaration" => {
            use_declaration(cx, node);
            return;
        }
        "extern_crate_declaration" => {
            let name = node.field("name").map(|n| cx.text(n));
            let alias = node.field("alias").map(|n| cx.text(n));
            let span = cx.span(node);
            cx.imports.push(Import {
                span,
                level: 0,
                path: Vec::new(),
                name,
                alias,
                glob: false,
                public: false,
            });
            return;
        }
        "empty_statement" | "macro_definition" | "inner_attribute_item" | "attribute_item" => {
            return;
        }
        "ERROR" | "declaration_list" | "foreign_mod_item" => {
            out.extend(items(cx, node));
            return;
        }
        _ => {
            stmt_expr(cx, node, Tail::Discard, out);
            return;
        }
    };
    push(cx, node, out, kind);
}

fn name_expr<'a>(cx: &Cx<'a>, node: Node<'_>) -> Expr<'a> {
    Expr::new(cx.span(node), ExprKind::Name(cx.text(node)))
}

/// An expression in statement position (or a block tail): control flow becomes statements.
fn stmt_expr<'a>(cx: &mut Cx<'a>, node: Node<'_>, tail: Tail, out: &mut Vec<Stmt<'a>>) {
    if !cx.enter() {
        capped(cx, node, out);
        return;
    }
    stmt_expr_inner(cx, node, tail, out);
    cx.leave();
}

fn stmt_expr_inner<'a>(cx: &mut Cx<'a>, node: Node<'_>, tail: Tail, out: &mut Vec<Stmt<'a>>) {
    let kind = match node.kind() {
        "if_expression" => if_expression(cx, node, tail),
        "match_expression" => match_expression(cx, node, tail),
        "block" | "unsafe_block" | "const_block" => {
            let b = if node.kind() == "block" {
                Some(node)
            } else {
                kids(node).find(|c| c.kind() == "block")
            };
            if let Some(b) = b {
                out.extend(block(cx, b, tail));
            }
            return;
        }
        "loop_expression" => StmtKind::Loop(Box::new(Loop {
            kind: LoopKind::Infinite,
            target: None,
            iter: None,
            body: body_block(cx, node),
            else_: Vec::new(),
            is_async: false,
        })),
        "while_expression" => StmtKind::Loop(Box::new(Loop {
            kind: LoopKind::While,
            target: None,
            iter: node.field("condition").map(|c| expr(cx, c)),
            body: body_block(cx, node),
            else_: Vec::new(),
            is_async: false,
        })),
        "for_expression" => StmtKind::Loop(Box::new(Loop {
            kind: LoopKind::For,
            target: node.field("pattern").map(|p| pattern(cx, p)),
            iter: node.field("value").map(|v| expr(cx, v)),
            body: body_block(cx, node),
            else_: Vec::new(),
            is_async: false,
        })),
        "return_expression" => StmtKind::Return(kids(node).next().map(|v| expr(cx, v))),
        "break_expression" => StmtKind::Break,
        "continue_expression" => StmtKind::Continue,
        "assignment_expression" => StmtKind::Assign(Box::new(Assign {
            targets: vec![field_expr(cx, node, "left")],
            value: Some(field_expr(cx, node, "right")),
            annotation: None,
            else_: Vec::new(),
        })),
        "compound_assignment_expr" => {
            let op = node
                .field("operator")
                .map_or("", |o| cx.text(o).trim_end_matches('='));
            StmtKind::AugAssign(Box::new(AugAssign {
                target: field_expr(cx, node, "left"),
                op,
                value: field_expr(cx, node, "right"),
            }))
        }
        "macro_invocation" if DIVERGING_MACROS.contains(&macro_name(cx, node)) => {
            StmtKind::Raise(Some(expr(cx, node)))
        }
        _ => {
            let e = expr(cx, node);
            match tail {
                Tail::Discard => StmtKind::Expr(e),
                Tail::Return => StmtKind::Return(Some(e)),
                Tail::Value => StmtKind::Value(e),
            }
        }
    };
    push(cx, node, out, kind);
}

fn body_block<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Vec<Stmt<'a>> {
    node.field("body")
        .map(|b| block(cx, b, Tail::Discard))
        .unwrap_or_default()
}

/// `if c {…} else if d {…} else {…}`; `if let P = e {…} else {…}` is a two-arm match.
fn if_expression<'a>(cx: &mut Cx<'a>, node: Node<'_>, tail: Tail) -> StmtKind<'a> {
    let then = node
        .field("consequence")
        .map(|b| block(cx, b, tail))
        .unwrap_or_default();
    let mut else_ = Vec::new();
    if let Some(alt) = node.field("alternative")
        && let Some(inner) = kids(alt).next()
    {
        stmt_expr(cx, inner, tail, &mut else_);
    }
    let cond = node.field("condition");
    if let Some(c) = cond
        && c.kind() == "let_condition"
    {
        let span = cx.span(node);
        let subject = field_expr(cx, c, "value");
        let pat = c
            .field("pattern")
            .map_or(Expr::unknown(span), |p| pattern(cx, p));
        let arms = vec![
            Arm {
                span: pat.span,
                pattern: pat,
                guard: None,
                body: then,
            },
            Arm {
                span,
                pattern: Expr::new(span, ExprKind::Name("_")),
                guard: None,
                body: else_,
            },
        ];
        return StmtKind::Match(Box::new(Match { subject, arms }));
    }
    let cond = match cond {
        Some(c) => expr(cx, c),
        None => Expr::unknown(cx.span(node)),
    };
    StmtKind::If(Box::new(If { cond, then, else_ }))
}

fn match_expression<'a>(cx: &mut Cx<'a>, node: Node<'_>, tail: Tail) -> StmtKind<'a> {
    let subject = field_expr(cx, node, "value");
    let mut arms = Vec::new();
    if let Some(body) = node.field("body") {
        for arm in kids(body).filter(|a| a.kind() == "match_arm") {
            let span = cx.span(arm);
            let (pat, guard) = match arm.field("pattern") {
                Some(mp) => {
                    let pat = match kids(mp).find(|c| mp.field("condition") != Some(*c)) {
                        Some(p) => pattern(cx, p),
                        None => Expr::new(cx.span(mp), ExprKind::Name("_")),
                    };
                    let guard = mp.field("condition").map(|g| expr(cx, g));
                    (pat, guard)
                }
                None => (Expr::unknown(span), None),
            };
            let mut body = Vec::new();
            if let Some(v) = arm.field("value") {
                stmt_expr(cx, v, tail, &mut body);
            }
            arms.push(Arm {
                span,
                pattern: pat,
                guard,
                body,
            });
        }
    }
    StmtKind::Match(Box::new(Match { subject, arms }))
}

fn field_expr<'a>(cx: &mut Cx<'a>, node: Node<'_>, field: &str) -> Expr<'a> {
    match node.field(field) {
        Some(n) => expr(cx, n),
        None => Expr::unknown(cx.span(node)),
    }
}

fn function<'a>(cx: &mut Cx<'a>, node: Node<'_>, decorators: Vec<Expr<'a>>) -> Function<'a> {
    let is_async = kids(node)
        .find(|c| c.kind() == "function_modifiers")
        .is_some_and(|m| cx.text(m).contains("async"));
    Function {
        span: cx.span(node),
        name: node.field("name").map_or("", |n| cx.text(n)),
        params: node
            .field("parameters")
            .map(|p| params(cx, p))
            .unwrap_or_default(),
        returns: node.field("return_type").map(|t| ty(cx, t)),
        decorators,
        is_async,
        body: node
            .field("body")
            .map(|b| block(cx, b, Tail::Return))
            .unwrap_or_default(),
    }
}

fn params<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Vec<Param<'a>> {
    let mut out = Vec::new();
    let mut attrs = Vec::new();
    // A closure's `_` parameter is an anonymous token, but it still takes an argument's place.
    let list: Vec<Node<'_>> = if node.kind() == "closure_parameters" {
        (0..node.child_count())
            .filter_map(|i| node.child(i))
            .filter(|c| c.is_named() || c.kind() == "_")
            .filter(|c| !c.is_extra())
            .collect()
    } else {
        kids(node).collect()
    };
    for p in list {
        let mut param = Param {
            span: cx.span(p),
            name: "",
            kind: ParamKind::Normal,
            pattern: None,
            default: None,
            annotation: None,
            extractor: None,
            decorators: Vec::new(),
        };
        let pat = match p.kind() {
            "attribute_item" => {
                attrs.extend(attribute(cx, p));
                continue;
            }
            "self_parameter" => {
                param.kind = ParamKind::SelfParam;
                param.name = "self";
                param.decorators = std::mem::take(&mut attrs);
                out.push(param);
                continue;
            }
            "parameter" => {
                param.annotation = p.field("type").map(|t| ty(cx, t));
                param.extractor = param.annotation.as_ref().and_then(|t| head_of(&t.expr));
                p.field("pattern")
            }
            "variadic_parameter" => continue,
            // A closure's untyped parameter is the pattern itself.
            _ => Some(p),
        };
        let Some(pat) = pat else { continue };
        param.name = first_binding(cx, pat).unwrap_or("_");
        if !matches!(pat.kind(), "identifier" | "_") {
            param.pattern = Some(pattern(cx, pat));
        }
        param.decorators = std::mem::take(&mut attrs);
        out.push(param);
    }
    out
}

fn head_of<'a>(e: &Expr<'a>) -> Option<&'a str> {
    match &e.kind {
        ExprKind::Name(n) => Some(n),
        ExprKind::Path(p) => p.last().copied(),
        ExprKind::Index(i) => head_of(&i.base),
        _ => None,
    }
}

/// The first name a pattern binds: `Path((org, id))` → `org`; a tuple-struct's type (`Path`) binds nothing.
fn first_binding<'a>(cx: &Cx<'a>, pat: Node<'_>) -> Option<&'a str> {
    let mut cursor = pat.walk();
    let mut visited = 0;
    loop {
        let n = cursor.node();
        let is_type = cursor.field_name() == Some("type");
        if !is_type && n.kind() == "identifier" {
            return Some(cx.text(n));
        }
        visited += 1;
        // Bounded: a pattern is small, and a hostile one is not worth a full walk.
        if visited > 256 {
            return None;
        }
        if !is_type && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == pat {
                return None;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

fn class<'a>(cx: &Cx<'a>, node: Node<'_>, kind: ClassKind, name: &'a str) -> Class<'a> {
    Class {
        span: cx.span(node),
        kind,
        name,
        bases: Vec::new(),
        keywords: Vec::new(),
        implements: None,
        decorators: Vec::new(),
        fields: Vec::new(),
        methods: Vec::new(),
        body: Vec::new(),
    }
}

/// Tuple-struct fields are named by position.
const POSITIONS: [&str; 8] = ["0", "1", "2", "3", "4", "5", "6", "7"];

fn structure<'a>(cx: &mut Cx<'a>, node: Node<'_>, decorators: Vec<Expr<'a>>) -> Class<'a> {
    let name = node.field("name").map_or("", |n| cx.text(n));
    let mut c = class(cx, node, ClassKind::Struct, name);
    c.decorators = decorators;
    let Some(body) = node.field("body") else {
        return c;
    };
    let mut attrs = Vec::new();
    let mut position = 0;
    for f in kids(body) {
        match f.kind() {
            "attribute_item" => attrs.extend(attribute(cx, f)),
            "field_declaration" => {
                c.fields.push(Field {
                    span: cx.span(f),
                    name: f.field("name").map_or("", |n| cx.text(n)),
                    annotation: f.field("type").map(|t| ty(cx, t)),
                    value: None,
                    decorators: std::mem::take(&mut attrs),
                });
            }
            "visibility_modifier" => {}
            _ if body.kind() == "ordered_field_declaration_list" => {
                c.fields.push(Field {
                    span: cx.span(f),
                    name: POSITIONS.get(position).copied().unwrap_or("_"),
                    annotation: Some(ty(cx, f)),
                    value: None,
                    decorators: std::mem::take(&mut attrs),
                });
                position += 1;
            }
            _ => {}
        }
    }
    c
}

fn enumeration<'a>(cx: &mut Cx<'a>, node: Node<'_>, decorators: Vec<Expr<'a>>) -> Class<'a> {
    let name = node.field("name").map_or("", |n| cx.text(n));
    let mut c = class(cx, node, ClassKind::Enum, name);
    c.decorators = decorators;
    let mut attrs = Vec::new();
    if let Some(body) = node.field("body") {
        for v in kids(body) {
            match v.kind() {
                "attribute_item" => attrs.extend(attribute(cx, v)),
                "enum_variant" => c.fields.push(Field {
                    span: cx.span(v),
                    name: v.field("name").map_or("", |n| cx.text(n)),
                    annotation: None,
                    value: v.field("value").map(|e| expr(cx, e)),
                    decorators: std::mem::take(&mut attrs),
                }),
                _ => {}
            }
        }
    }
    c
}

/// An `impl` block (named after its type, the trait in `implements`) or a trait (its default methods).
fn implementation<'a>(cx: &mut Cx<'a>, node: Node<'_>, decorators: Vec<Expr<'a>>) -> Class<'a> {
    let (kind, name) = if node.kind() == "trait_item" {
        let name = node.field("name").map_or("", |n| cx.text(n));
        (ClassKind::Trait, name)
    } else {
        let name = node
            .field("type")
            .map(|t| type_expr(cx, t))
            .and_then(|t| head_of(&t))
            .unwrap_or("");
        (ClassKind::Impl, name)
    };
    let mut c = class(cx, node, kind, name);
    c.decorators = decorators;
    c.implements = node.field("trait").map(|t| type_expr(cx, t));
    let Some(body) = node.field("body") else {
        return c;
    };
    for s in items(cx, body) {
        match s.kind {
            StmtKind::FunctionDef(f) => c.methods.push(*f),
            StmtKind::Assign(a) => {
                let mut a = *a;
                let name = match a.targets.first().map(|t| &t.kind) {
                    Some(ExprKind::Name(n)) => n,
                    _ => "",
                };
                c.fields.push(Field {
                    span: s.span,
                    name,
                    annotation: a.annotation.take(),
                    value: a.value.take(),
                    decorators: Vec::new(),
                });
            }
            kind => c.body.push(Stmt { span: s.span, kind }),
        }
    }
    c
}

fn module<'a>(cx: &mut Cx<'a>, node: Node<'_>, decorators: Vec<Expr<'a>>) -> Mod<'a> {
    let path_attr = decorators.iter().find_map(|d| match &d.kind {
        ExprKind::Call(c) if matches!(c.callee.kind, ExprKind::Name("path")) => {
            match c.args.first().map(|a| &a.kind) {
                Some(ExprKind::Lit(l)) if l.kind == LitKind::Str => Some(l.text),
                _ => None,
            }
        }
        _ => None,
    });
    let mut m = Mod {
        name: node.field("name").map_or("", |n| cx.text(n)),
        decorators,
        path_attr,
        imports: Vec::new(),
        body: None,
    };
    if let Some(body) = node.field("body") {
        // An inline module is its own import scope.
        let outer = std::mem::take(&mut cx.imports);
        m.body = Some(items(cx, body));
        m.imports = std::mem::replace(&mut cx.imports, outer);
    }
    m
}

/// Flattens a `use` tree into one [`Import`] per leaf, with an explicit stack (use trees nest arbitrarily).
fn use_declaration(cx: &mut Cx<'_>, node: Node<'_>) {
    let span = cx.span(node);
    let public = kids(node).any(|c| c.kind() == "visibility_modifier");
    let Some(arg) = node.field("argument") else {
        return;
    };
    let mut stack = vec![(arg, Vec::new())];
    let mut steps = 0;
    while let Some((n, prefix)) = stack.pop() {
        steps += 1;
        if steps > 4096 {
            cx.capped = true;
            break;
        }
        let leaf = match n.kind() {
            "scoped_use_list" => {
                let mut p = prefix;
                if let Some(path) = n.field("path") {
                    p.extend(path_segments(cx, path));
                }
                if let Some(list) = n.field("list") {
                    for child in kids(list).collect::<Vec<_>>().into_iter().rev() {
                        stack.push((child, p.clone()));
                    }
                }
                continue;
            }
            "use_list" => {
                for child in kids(n).collect::<Vec<_>>().into_iter().rev() {
                    stack.push((child, prefix.clone()));
                }
                continue;
            }
            "use_as_clause" => {
                let mut p = prefix;
                if let Some(path) = n.field("path") {
                    p.extend(path_segments(cx, path));
                }
                let alias = n.field("alias").map(|a| cx.text(a));
                import(p, alias, false)
            }
            "use_wildcard" => {
                let mut p = prefix;
                if let Some(path) = kids(n).next() {
                    p.extend(path_segments(cx, path));
                }
                import(p, None, true)
            }
            _ => {
                let mut p = prefix;
                p.extend(path_segments(cx, n));
                import(p, None, false)
            }
        };
        let (mut path, mut name, alias, glob) = leaf;
        // `use a::{self}` imports `a` itself.
        if name == Some("self") && !path.is_empty() {
            name = path.pop();
        }
        cx.imports.push(Import {
            span,
            level: 0,
            path,
            name,
            alias,
            glob,
            public,
        });
    }
}

type Leaf<'a> = (Vec<&'a str>, Option<&'a str>, Option<&'a str>, bool);

/// A `use` leaf: the path, the imported name (its last segment, none for a glob), the alias, the glob flag.
fn import<'a>(mut path: Vec<&'a str>, alias: Option<&'a str>, glob: bool) -> Leaf<'a> {
    let name = if glob { None } else { path.pop() };
    (path, name, alias, glob)
}

/// `a::b::c` → `a, b, c`, iteratively (paths nest to the left).
fn path_segments<'a>(cx: &Cx<'a>, node: Node<'_>) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut cur = node;
    loop {
        match cur.kind() {
            "scoped_identifier" | "scoped_type_identifier" => {
                if let Some(name) = cur.field("name") {
                    out.push(cx.text(name));
                }
                match cur.field("path") {
                    Some(p) => cur = p,
                    None => break,
                }
            }
            _ => {
                out.push(cx.text(cur));
                break;
            }
        }
    }
    out.reverse();
    out
}

fn ty<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Ty<'a> {
    Ty {
        text: cx.text(node),
        expr: type_expr(cx, node),
    }
}

/// A type as an expression: `Json<T>` is an index of `Json` by `T`; references and pointers are transparent.
fn type_expr<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    if !cx.enter() {
        return Expr::unknown(cx.span(node));
    }
    let span = cx.span(node);
    let e = match node.kind() {
        "type_identifier" | "primitive_type" | "identifier" | "never_type" | "self" => {
            name_expr(cx, node)
        }
        "scoped_type_identifier" | "scoped_identifier" => {
            Expr::new(span, ExprKind::Path(path_segments(cx, node)))
        }
        "generic_type" => {
            let base = field_expr_ty(cx, node, "type");
            let args: Vec<Expr<'a>> = node
                .field("type_arguments")
                .map(|a| {
                    kids(a)
                        .filter(|t| !matches!(t.kind(), "lifetime" | "type_binding"))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
                .into_iter()
                .map(|t| type_expr(cx, t))
                .collect();
            let index = if args.len() == 1 {
                args.into_iter().next().unwrap_or(Expr::unknown(span))
            } else {
                container(span, ContainerKind::Tuple, args)
            };
            Expr::new(span, ExprKind::Index(Box::new(Index { base, index })))
        }
        "reference_type" | "pointer_type" => field_expr_ty(cx, node, "type"),
        "dynamic_type" | "abstract_type" => field_expr_ty(cx, node, "trait"),
        "tuple_type" | "unit_type" => {
            let items = kids(node).map(|t| type_expr(cx, t)).collect();
            container(span, ContainerKind::Tuple, items)
        }
        "array_type" => {
            let items = vec![field_expr_ty(cx, node, "element")];
            container(span, ContainerKind::List, items)
        }
        _ => Expr::unknown(span),
    };
    cx.leave();
    e
}

fn field_expr_ty<'a>(cx: &mut Cx<'a>, node: Node<'_>, field: &str) -> Expr<'a> {
    match node.field(field) {
        Some(n) => type_expr(cx, n),
        None => Expr::unknown(cx.span(node)),
    }
}

fn container(span: Span, kind: ContainerKind, items: Vec<Expr<'_>>) -> Expr<'_> {
    Expr::new(
        span,
        ExprKind::Container(Box::new(Container { kind, items })),
    )
}

fn call<'a>(span: Span, callee: Expr<'a>, args: Vec<Expr<'a>>, kwargs: Vec<Kwarg<'a>>) -> Expr<'a> {
    Expr::new(
        span,
        ExprKind::Call(Box::new(Call {
            callee,
            args,
            kwargs,
            is_macro: false,
        })),
    )
}

/// A pattern as an expression: `Some(x)` is a call, `User { id, .. }` a call with keyword arguments.
fn pattern<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    if !cx.enter() {
        return Expr::unknown(cx.span(node));
    }
    let span = cx.span(node);
    let e = match node.kind() {
        "identifier" | "_" | "self" => name_expr(cx, node),
        "scoped_identifier" => Expr::new(span, ExprKind::Path(path_segments(cx, node))),
        "tuple_struct_pattern" => {
            let ty = node.field("type");
            let callee = ty.map_or(Expr::unknown(span), |t| pattern(cx, t));
            let args = kids(node)
                .filter(|c| Some(*c) != ty)
                .collect::<Vec<_>>()
                .into_iter()
                .map(|p| pattern(cx, p))
                .collect();
            call(span, callee, args, Vec::new())
        }
        "struct_pattern" => {
            let ty = node.field("type");
            let callee = ty.map_or(Expr::unknown(span), |t| type_expr(cx, t));
            let mut kwargs = Vec::new();
            for f in kids(node).filter(|c| c.kind() == "field_pattern") {
                let name_node = f.field("name");
                let name = name_node.map_or("", |n| cx.text(n));
                let value = match f.field("pattern") {
                    Some(p) => pattern(cx, p),
                    None => name_node.map_or(Expr::unknown(span), |n| name_expr(cx, n)),
                };
                kwargs.push(Kwarg { name, value });
            }
            call(span, callee, Vec::new(), kwargs)
        }
        "tuple_pattern" | "slice_pattern" => {
            let items = kids(node).map(|p| pattern(cx, p)).collect();
            container(span, ContainerKind::Tuple, items)
        }
        "ref_pattern" | "mut_pattern" | "reference_pattern" | "captured_pattern" => {
            match kids(node)
                .filter(|c| c.kind() != "mutable_specifier")
                .last()
            {
                Some(inner) => pattern(cx, inner),
                None => Expr::unknown(span),
            }
        }
        "or_pattern" => {
            let values = kids(node).map(|p| pattern(cx, p)).collect();
            Expr::new(
                span,
                ExprKind::BoolOp(Box::new(BoolOp {
                    op: BoolOpKind::Or,
                    values,
                })),
            )
        }
        "remaining_field_pattern" | "range_pattern" => Expr::unknown(span),
        _ => expr(cx, node),
    };
    cx.leave();
    e
}

pub(super) fn expr<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    cx.nested(node, expr_inner)
}

fn expr_inner<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    let span = cx.span(node);
    let kind = match node.kind() {
        "identifier" | "self" | "super" | "crate" | "metavariable" | "field_identifier"
        | "type_identifier" | "primitive_type" => ExprKind::Name(cx.text(node)),
        "scoped_identifier" | "scoped_type_identifier" => ExprKind::Path(path_segments(cx, node)),
        "generic_function" | "field_expression" | "call_expression" | "index_expression"
        | "binary_expression" | "await_expression" | "try_expression" => {
            return cx.chain(node, chain_inner, expr_inner, chain_link);
        }
        "generic_type" => return type_expr(cx, node),
        "macro_invocation" => return macro_call(cx, node),
        "reference_expression" | "type_cast_expression" => return field_expr(cx, node, "value"),
        "parenthesized_expression" => match kids(node).next() {
            Some(inner) => return expr(cx, inner),
            None => ExprKind::Unknown,
        },
        "unary_expression" => {
            let op = node.child(0).map_or("", |o| cx.text(o));
            let Some(operand) = kids(node).next() else {
                return Expr::unknown(span);
            };
            let operand = expr(cx, operand);
            match op {
                "!" => ExprKind::Not(Box::new(operand)),
                "-" => ExprKind::Unary(Box::new(operand)),
                _ => return operand,
            }
        }
        "tuple_expression" | "unit_expression" => {
            let items = kids(node).map(|c| expr(cx, c)).collect();
            return container(span, ContainerKind::Tuple, items);
        }
        "array_expression" => {
            let items = kids(node).map(|c| expr(cx, c)).collect();
            return container(span, ContainerKind::List, items);
        }
        "struct_expression" => return struct_literal(cx, node),
        "closure_expression" => {
            let params = node
                .field("parameters")
                .map(|p| params(cx, p))
                .unwrap_or_default();
            let mut body = Vec::new();
            if let Some(b) = node.field("body") {
                stmt_expr(cx, b, Tail::Return, &mut body);
            }
            ExprKind::Lambda(Box::new(Lambda {
                params,
                body,
                is_async: kids(node).any(|c| c.kind() == "async"),
            }))
        }
        "range_expression" => {
            let mut parts = kids(node);
            let left = parts.next().map_or(Expr::unknown(span), |l| expr(cx, l));
            let right = parts.next().map_or(Expr::unknown(span), |r| expr(cx, r));
            ExprKind::BinOp(Box::new(BinOp {
                op: "..",
                left,
                right,
            }))
        }
        "string_literal" | "raw_string_literal" => return string(cx, node),
        "char_literal" => return cx.lit(node, LitKind::Char),
        "integer_literal" => return cx.lit(node, LitKind::Int),
        "float_literal" => return cx.lit(node, LitKind::Float),
        "boolean_literal" => return cx.lit(node, LitKind::Bool),
        "let_condition" => ExprKind::Let(Box::new(Let {
            pattern: node
                .field("pattern")
                .map_or(Expr::unknown(span), |p| pattern(cx, p)),
            value: field_expr(cx, node, "value"),
        })),
        "let_chain" => {
            let values = kids(node).map(|c| expr(cx, c)).collect();
            ExprKind::BoolOp(Box::new(BoolOp {
                op: BoolOpKind::And,
                values,
            }))
        }
        "async_block" => ExprKind::Block(
            kids(node)
                .find(|c| c.kind() == "block")
                .map(|b| block(cx, b, Tail::Value))
                .unwrap_or_default(),
        ),
        "if_expression"
        | "match_expression"
        | "block"
        | "unsafe_block"
        | "const_block"
        | "loop_expression"
        | "while_expression"
        | "for_expression"
        | "return_expression"
        | "break_expression"
        | "continue_expression"
        | "assignment_expression"
        | "compound_assignment_expr" => {
            let mut stmts = Vec::new();
            stmt_expr_inner(cx, node, Tail::Value, &mut stmts);
            ExprKind::Block(stmts)
        }
        _ => ExprKind::Unknown,
    };
    Expr::new(span, kind)
}

/// The child a chain link wraps: a call's function, a field's value, the operand of `?`/`.await`/`[…]`,
/// a binary operation's left operand.
fn chain_inner(node: Node<'_>) -> Option<Node<'_>> {
    match node.kind() {
        "call_expression" | "generic_function" => node.field("function"),
        "field_expression" => node.field("value"),
        "binary_expression" => node.field("left"),
        "index_expression" | "await_expression" | "try_expression" => kids(node).next(),
        _ => None,
    }
}

/// One link of a chain around its already lowered inner part.
fn chain_link<'a>(cx: &mut Cx<'a>, node: Node<'_>, inner: Expr<'a>) -> Expr<'a> {
    let span = cx.span(node);
    let kind = match node.kind() {
        "field_expression" => {
            let name = node.field("field").map_or("", |f| cx.text(f));
            ExprKind::Attr(Box::new(Attr { base: inner, name }))
        }
        "call_expression" => {
            let args = node
                .field("arguments")
                .map(|a| {
                    kids(a)
                        .filter(|c| c.kind() != "attribute_item")
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
                .into_iter()
                .map(|a| expr(cx, a))
                .collect();
            return call(span, inner, args, Vec::new());
        }
        "index_expression" => {
            let index = kids(node)
                .nth(1)
                .map_or(Expr::unknown(span), |i| expr(cx, i));
            ExprKind::Index(Box::new(Index { base: inner, index }))
        }
        "await_expression" => ExprKind::Await(Box::new(inner)),
        "try_expression" => ExprKind::Try(Box::new(inner)),
        "binary_expression" => return binary(cx, node, inner),
        // `f::<T>` is `f`.
        _ => return inner,
    };
    Expr::new(span, kind)
}

fn binary<'a>(cx: &mut Cx<'a>, node: Node<'_>, left: Expr<'a>) -> Expr<'a> {
    let span = cx.span(node);
    let op = node.field("operator").map_or("", |o| cx.text(o));
    let right = field_expr(cx, node, "right");
    let is_str = |e: &Expr<'_>| {
        matches!(
            e.kind,
            ExprKind::Lit(Lit {
                kind: LitKind::Str,
                ..
            }) | ExprKind::StrBuild(_)
        )
    };
    match op {
        "==" | "!=" | "<" | ">" | "<=" | ">=" => Expr::new(
            span,
            ExprKind::Compare(Box::new(Compare {
                left,
                ops: vec![(op, right)],
            })),
        ),
        "&&" => bool_op(span, BoolOpKind::And, left, right),
        "||" => bool_op(span, BoolOpKind::Or, left, right),
        "+" if is_str(&left) || is_str(&right) => concat(span, left, right),
        _ => Expr::new(span, ExprKind::BinOp(Box::new(BinOp { op, left, right }))),
    }
}

/// `User { id, name: n, ..rest }` → `User(id=id, name=n, **rest)`.
fn struct_literal<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    let span = cx.span(node);
    let callee = node
        .field("name")
        .map_or(Expr::unknown(span), |n| type_expr(cx, n));
    let mut args = Vec::new();
    let mut kwargs = Vec::new();
    if let Some(body) = node.field("body") {
        for f in kids(body) {
            match f.kind() {
                "field_initializer" => {
                    let name = f.field("field").map_or("", |n| cx.text(n));
                    let value = field_expr(cx, f, "value");
                    kwargs.push(Kwarg { name, value });
                }
                "shorthand_field_initializer" => {
                    if let Some(id) = kids(f).next() {
                        kwargs.push(Kwarg {
                            name: cx.text(id),
                            value: name_expr(cx, id),
                        });
                    }
                }
                "base_field_initializer" => {
                    if let Some(b) = kids(f).next() {
                        let base = expr(cx, b);
                        args.push(Expr::new(
                            cx.span(f),
                            ExprKind::Spread(Box::new(base), true),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    call(span, callee, args, kwargs)
}

fn string<'a>(cx: &Cx<'a>, node: Node<'_>) -> Expr<'a> {
    let raw = cx.text(node);
    let kind = if raw.starts_with('b') {
        LitKind::Bytes
    } else {
        LitKind::Str
    };
    // The content is everything between the first and the last quote (`r#"…"#`, `b"…"`).
    let text = match (raw.find('"'), raw.rfind('"')) {
        (Some(s), Some(e)) if e > s => &raw[s + 1..e],
        _ => "",
    };
    Expr::new(cx.span(node), ExprKind::Lit(Lit { kind, text }))
}

fn macro_name<'a>(cx: &Cx<'a>, node: Node<'_>) -> &'a str {
    node.field("macro")
        .and_then(|m| path_segments(cx, m).last().copied())
        .unwrap_or("")
}

/// `format!("…{}", a)` is a string build; `vec![a, b]` a list; `write!(f, "…", x)` a call of `write` with the
/// destination and the built string; any other macro a call whose arguments are read from its token tree.
fn macro_call<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    let span = cx.span(node);
    let name = macro_name(cx, node);
    let callee = node
        .field("macro")
        .map_or(Expr::unknown(span), |m| expr(cx, m));
    let (mut args, kwargs) = kids(node)
        .find(|c| c.kind() == "token_tree")
        .map(|tt| token_args(cx, tt))
        .unwrap_or_default();
    if name == "vec" {
        return container(span, ContainerKind::List, args);
    }
    let template = args.iter().position(|a| {
        matches!(
            a.kind,
            ExprKind::Lit(Lit {
                kind: LitKind::Str,
                ..
            })
        )
    });
    if FORMAT_MACROS.contains(&name)
        && let Some(at) = template
    {
        let mut parts: Vec<Expr<'a>> = args.split_off(at);
        let captured = inline_captures(&parts[0]);
        parts.extend(kwargs.into_iter().map(|k| k.value));
        parts.extend(captured);
        let built = Expr::new(
            span,
            ExprKind::StrBuild(Box::new(StrBuild {
                kind: StrBuildKind::Format,
                parts,
                via: Some(name),
            })),
        );
        if matches!(name, "format" | "format_args") {
            return built;
        }
        args.push(built);
        return Expr::new(
            span,
            ExprKind::Call(Box::new(Call {
                callee,
                args,
                kwargs: Vec::new(),
                is_macro: true,
            })),
        );
    }
    Expr::new(
        span,
        ExprKind::Call(Box::new(Call {
            callee,
            args,
            kwargs,
            is_macro: true,
        })),
    )
}

/// The names a format template captures inline: `"{id} {user:?}"` → `id`, `user` (not `{0}`, `{}`, `{{`).
fn inline_captures<'a>(template: &Expr<'a>) -> Vec<Expr<'a>> {
    let ExprKind::Lit(lit) = template.kind else {
        return Vec::new();
    };
    let text = lit.text;
    // The literal's text starts after its opening quote: its offset in the file, for each capture's span.
    let base = template.span.end as usize - text.len() - 1;
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' {
            if bytes.get(i + 1) == Some(&b'{') {
                i += 2;
                continue;
            }
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && (bytes[end] == b'_' || bytes[end].is_ascii_alphanumeric()) {
                end += 1;
            }
            let name = &text[start..end];
            if !name.is_empty() && !name.as_bytes()[0].is_ascii_digit() {
                let span = Span {
                    start: (base + start) as u32,
                    end: (base + end) as u32,
                    line: template.span.line,
                };
                out.push(Expr::new(span, ExprKind::Name(name)));
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// A macro's comma-separated arguments: `name = value` pairs are keyword arguments.
fn token_args<'a>(cx: &mut Cx<'a>, tt: Node<'_>) -> (Vec<Expr<'a>>, Vec<Kwarg<'a>>) {
    let mut args = Vec::new();
    let mut kwargs = Vec::new();
    let mut cursor = tt.walk();
    let tokens: Vec<Node<'_>> = tt.children(&mut cursor).filter(|c| !c.is_extra()).collect();
    // The outer delimiters are the first and last tokens.
    let inner = match tokens.len() {
        0 | 1 => &[][..],
        n => &tokens[1..n - 1],
    };
    for segment in inner.split(|t| t.kind() == ",") {
        if segment.is_empty() {
            continue;
        }
        if let [name, eq, value @ ..] = segment
            && name.kind() == "identifier"
            && eq.kind() == "="
            && !value.is_empty()
        {
            kwargs.push(Kwarg {
                name: cx.text(*name),
                value: tokens_expr(cx, value),
            });
        } else {
            args.push(tokens_expr(cx, segment));
        }
    }
    (args, kwargs)
}

/// One macro argument from its tokens: a postfix chain on a name, path or literal, or an `Opaque` of the
/// parts it mentions.
fn tokens_expr<'a>(cx: &mut Cx<'a>, tokens: &[Node<'_>]) -> Expr<'a> {
    let Some(first) = tokens.first() else {
        return Expr::unknown(Span::default());
    };
    let span = Span {
        end: tokens.last().map_or(first.end_byte(), Node::end_byte) as u32,
        ..cx.span(*first)
    };
    if !cx.enter() {
        return Expr::unknown(span);
    }
    let e = simple_tokens(cx, tokens, span).unwrap_or_else(|| opaque(cx, tokens, span));
    cx.leave();
    e
}

fn simple_tokens<'a>(cx: &mut Cx<'a>, tokens: &[Node<'_>], span: Span) -> Option<Expr<'a>> {
    let mut i = 0;
    // `&x`, `&mut x`, `*x` are `x`.
    while i < tokens.len() && matches!(tokens[i].kind(), "&" | "*" | "mutable_specifier" | "mut") {
        i += 1;
    }
    let first = *tokens.get(i)?;
    let mut e = match first.kind() {
        "identifier" | "self" | "crate" | "super" => {
            let mut path = vec![cx.text(first)];
            while i + 2 < tokens.len()
                && tokens[i + 1].kind() == "::"
                && tokens[i + 2].kind() == "identifier"
            {
                path.push(cx.text(tokens[i + 2]));
                i += 2;
            }
            let s = Span {
                end: tokens[i].end_byte() as u32,
                ..cx.span(first)
            };
            if path.len() == 1 {
                Expr::new(s, ExprKind::Name(path[0]))
            } else {
                Expr::new(s, ExprKind::Path(path))
            }
        }
        "string_literal" | "raw_string_literal" => string(cx, first),
        "integer_literal" => cx.lit(first, LitKind::Int),
        "float_literal" => cx.lit(first, LitKind::Float),
        "boolean_literal" => cx.lit(first, LitKind::Bool),
        "char_literal" => cx.lit(first, LitKind::Char),
        "token_tree" => {
            let (mut items, _) = token_args(cx, first);
            if items.len() == 1 && cx.text(first).starts_with('(') {
                items.remove(0)
            } else {
                let kind = if cx.text(first).starts_with('[') {
                    ContainerKind::List
                } else {
                    ContainerKind::Tuple
                };
                container(cx.span(first), kind, items)
            }
        }
        _ => return None,
    };
    i += 1;
    while i < tokens.len() {
        let t = tokens[i];
        let end = Span {
            end: t.end_byte() as u32,
            ..span
        };
        match t.kind() {
            "." if i + 1 < tokens.len() => {
                let field = tokens[i + 1];
                let text = cx.text(field);
                e = if text == "await" {
                    Expr::new(end, ExprKind::Await(Box::new(e)))
                } else if matches!(field.kind(), "identifier" | "integer_literal") {
                    Expr::new(
                        Span {
                            end: field.end_byte() as u32,
                            ..span
                        },
                        ExprKind::Attr(Box::new(Attr {
                            base: e,
                            name: text,
                        })),
                    )
                } else {
                    return None;
                };
                i += 2;
            }
            "?" => {
                e = Expr::new(end, ExprKind::Try(Box::new(e)));
                i += 1;
            }
            "token_tree" if cx.text(t).starts_with('(') => {
                let (args, kwargs) = token_args(cx, t);
                e = call(end, e, args, kwargs);
                i += 1;
            }
            "token_tree" if cx.text(t).starts_with('[') => {
                let (mut items, _) = token_args(cx, t);
                let index = if items.len() == 1 {
                    items.remove(0)
                } else {
                    container(cx.span(t), ContainerKind::Tuple, items)
                };
                e = Expr::new(end, ExprKind::Index(Box::new(Index { base: e, index })));
                i += 1;
            }
            // A nested macro: `query!(format!("…", x))`.
            "!" if i + 1 < tokens.len() && tokens[i + 1].kind() == "token_tree" => {
                let tt = tokens[i + 1];
                let (args, kwargs) = token_args(cx, tt);
                e = Expr::new(
                    Span {
                        end: tt.end_byte() as u32,
                        ..span
                    },
                    ExprKind::Call(Box::new(Call {
                        callee: e,
                        args,
                        kwargs,
                        is_macro: true,
                    })),
                );
                i += 2;
            }
            _ => return None,
        }
    }
    Some(e)
}

/// The names, literals and nested groups of tokens that are no simple expression, in order.
fn opaque<'a>(cx: &mut Cx<'a>, tokens: &[Node<'_>], span: Span) -> Expr<'a> {
    let mut parts = Vec::new();
    for t in tokens {
        match t.kind() {
            "identifier" | "self" => parts.push(name_expr(cx, *t)),
            "string_literal" | "raw_string_literal" => parts.push(string(cx, *t)),
            "integer_literal" | "float_literal" => parts.push(cx.lit(*t, LitKind::Int)),
            "token_tree" => {
                let (args, kwargs) = token_args(cx, *t);
                parts.extend(args);
                parts.extend(kwargs.into_iter().map(|k| k.value));
            }
            _ => {}
        }
    }
    Expr::new(span, ExprKind::Opaque(parts))
}

/// An attribute `#[name(args)]`, `#[name = value]` or `#[name]` as a call, an assignment-like call or a name.
fn attribute<'a>(cx: &mut Cx<'a>, item: Node<'_>) -> Option<Expr<'a>> {
    let attr = kids(item).find(|c| c.kind() == "attribute")?;
    let span = cx.span(attr);
    let path = kids(attr).next()?;
    let callee = expr(cx, path);
    if let Some(value) = attr.field("value") {
        let value = expr(cx, value);
        return Some(call(span, callee, vec![value], Vec::new()));
    }
    if let Some(tt) = attr.field("arguments") {
        let (args, kwargs) = token_args(cx, tt);
        return Some(call(span, callee, args, kwargs));
    }
    Some(callee)
}
