//! Python → IR. One function per node family; every statement and expression goes through [`stmt`] or
//! [`expr`], which charge the depth budget.

use tree_sitter::Node;

use super::{
    Arm, Assign, Attr, AugAssign, BinOp, BoolOp, BoolOpKind, Call, Class, ClassKind, Compare,
    Comprehension, Container, ContainerKind, Cx, Expr, ExprKind, Field, Function, Generator,
    Handler, If, Import, Index, Kwarg, Lambda, Lit, LitKind, Loop, LoopKind, Match, Module, Param,
    ParamKind, Stmt, StmtKind, StrBuild, StrBuildKind, Try, Ty, With, WithItem, field_kids, kids,
};
use crate::{Lang, ParsedFile};

static FIELDS: std::sync::LazyLock<super::Fields> =
    std::sync::LazyLock::new(|| super::Fields::new(Lang::Python));

/// `child_by_field_name` through the cached field ids of the Python grammar.
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
    let body = block(&mut cx, file.tree.root_node());
    Module {
        lang: Lang::Python,
        imports: cx.imports,
        body,
        depth_capped: cx.capped,
    }
}

/// The statements of a block (or of the module).
fn block<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Vec<Stmt<'a>> {
    let mut out = Vec::new();
    for child in kids(node) {
        stmt(cx, child, &mut out);
    }
    out
}

fn body_of<'a>(cx: &mut Cx<'a>, node: Node<'_>, field: &str) -> Vec<Stmt<'a>> {
    node.field(field).map(|b| block(cx, b)).unwrap_or_default()
}

fn stmt<'a>(cx: &mut Cx<'a>, node: Node<'_>, out: &mut Vec<Stmt<'a>>) {
    if !cx.enter() {
        out.push(Stmt {
            span: cx.span(node),
            kind: StmtKind::Expr(Expr::unknown(cx.span(node))),
        });
        return;
    }
    stmt_inner(cx, node, out, Vec::new());
    cx.leave();
}

fn push<'a>(cx: &Cx<'a>, node: Node<'_>, out: &mut Vec<Stmt<'a>>, kind: StmtKind<'a>) {
    out.push(Stmt {
        span: cx.span(node),
        kind,
    });
}

fn stmt_inner<'a>(
    cx: &mut Cx<'a>,
    node: Node<'_>,
    out: &mut Vec<Stmt<'a>>,
    decorators: Vec<Expr<'a>>,
) {
    let kind = match node.kind() {
        "expression_statement" => {
            let parts: Vec<Node<'_>> = kids(node).collect();
            match parts.as_slice() {
                [one] if one.kind() == "assignment" => assignment(cx, *one),
                [one] if one.kind() == "augmented_assignment" => augmented(cx, *one),
                [one] => StmtKind::Expr(expr(cx, *one)),
                _ => StmtKind::Expr(tuple_of(cx, node, &parts)),
            }
        }
        "return_statement" => StmtKind::Return(kids(node).next().map(|v| expr(cx, v))),
        "raise_statement" => {
            let value = kids(node)
                .find(|c| node.field("cause") != Some(*c))
                .map(|v| expr(cx, v));
            StmtKind::Raise(value)
        }
        "pass_statement" | "global_statement" | "nonlocal_statement" => return,
        "delete_statement" => {
            let targets = kids(node).map(|t| expr(cx, t)).collect();
            StmtKind::Expr(Expr::new(cx.span(node), ExprKind::Opaque(targets)))
        }
        // `type Alias = int | str`: an assignment of the type, like the older `Alias = int | str`.
        "type_alias_statement" => {
            let mut parts = kids(node);
            let target = parts.next().map(|t| type_expr(cx, t));
            StmtKind::Assign(Box::new(Assign {
                targets: target.into_iter().collect(),
                value: parts.next().map(|v| type_expr(cx, v)),
                annotation: None,
                else_: Vec::new(),
            }))
        }
        "break_statement" => StmtKind::Break,
        "continue_statement" => StmtKind::Continue,
        "if_statement" => if_statement(cx, node),
        "for_statement" => StmtKind::Loop(Box::new(Loop {
            kind: LoopKind::For,
            target: node.field("left").map(|t| expr(cx, t)),
            iter: node.field("right").map(|t| expr(cx, t)),
            body: body_of(cx, node, "body"),
            else_: else_clause(cx, node),
            is_async: has_token(node, "async"),
        })),
        "while_statement" => StmtKind::Loop(Box::new(Loop {
            kind: LoopKind::While,
            target: None,
            iter: node.field("condition").map(|t| expr(cx, t)),
            body: body_of(cx, node, "body"),
            else_: else_clause(cx, node),
            is_async: false,
        })),
        "try_statement" => try_statement(cx, node),
        "with_statement" => with_statement(cx, node),
        "match_statement" => match_statement(cx, node),
        "assert_statement" => assert_statement(cx, node),
        "function_definition" => StmtKind::FunctionDef(Box::new(function(cx, node, decorators))),
        "class_definition" => StmtKind::ClassDef(Box::new(class(cx, node, decorators))),
        "decorated_definition" => {
            let decorators = kids(node)
                .filter(|c| c.kind() == "decorator")
                .filter_map(|d| kids(d).next().map(|e| expr(cx, e)))
                .collect();
            if let Some(def) = node.field("definition") {
                stmt_inner(cx, def, out, decorators);
            }
            return;
        }
        "import_statement" | "import_from_statement" | "future_import_statement" => {
            imports(cx, node);
            return;
        }
        // Half-written code: lower what tree-sitter recovered around the error.
        "ERROR" | "block" => {
            for child in kids(node) {
                stmt(cx, child, out);
            }
            return;
        }
        _ => StmtKind::Expr(expr(cx, node)),
    };
    push(cx, node, out, kind);
}

fn has_token(node: Node<'_>, token: &str) -> bool {
    all_children(node).any(|c| c.kind() == token)
}

/// Every child, named or not, by index: the nodes asked this way (strings, definitions) are narrow, and a
/// cursor would cost an allocation each.
fn all_children(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    (0..node.child_count()).filter_map(move |i| node.child(i))
}

fn assignment<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> StmtKind<'a> {
    let mut targets = Vec::new();
    let mut annotation = None;
    let mut value = None;
    let mut cur = node;
    // `a = b = v` nests to the right; walk it as a loop, not by recursion.
    loop {
        if let Some(left) = cur.field("left") {
            targets.push(expr(cx, left));
        }
        if annotation.is_none() {
            annotation = cur.field("type").map(|t| ty(cx, t));
        }
        match cur.field("right") {
            Some(r) if r.kind() == "assignment" => cur = r,
            Some(r) => {
                value = Some(expr(cx, r));
                break;
            }
            None => break,
        }
    }
    StmtKind::Assign(Box::new(Assign {
        targets,
        value,
        annotation,
        else_: Vec::new(),
    }))
}

fn augmented<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> StmtKind<'a> {
    let target = field_expr(cx, node, "left");
    let op = node
        .field("operator")
        .map_or("", |o| cx.text(o).trim_end_matches('='));
    let value = field_expr(cx, node, "right");
    StmtKind::AugAssign(Box::new(AugAssign { target, op, value }))
}

fn field_expr<'a>(cx: &mut Cx<'a>, node: Node<'_>, field: &str) -> Expr<'a> {
    match node.field(field) {
        Some(n) => expr(cx, n),
        None => Expr::unknown(cx.span(node)),
    }
}

fn if_statement<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> StmtKind<'a> {
    let cond = field_expr(cx, node, "condition");
    let then = body_of(cx, node, "consequence");
    let alternatives = field_kids(node, "alternative");
    // `elif` chains nest into `else_`, built from the last clause back so no recursion is needed.
    let mut else_: Vec<Stmt<'a>> = Vec::new();
    for alt in alternatives.iter().rev() {
        if alt.kind() == "else_clause" {
            else_ = body_of(cx, *alt, "body");
        } else {
            let cond = field_expr(cx, *alt, "condition");
            let then = body_of(cx, *alt, "consequence");
            let nested = StmtKind::If(Box::new(If {
                cond,
                then,
                else_: std::mem::take(&mut else_),
            }));
            else_ = vec![Stmt {
                span: cx.span(*alt),
                kind: nested,
            }];
        }
    }
    StmtKind::If(Box::new(If { cond, then, else_ }))
}

fn else_clause<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Vec<Stmt<'a>> {
    node.field("alternative")
        .map(|e| body_of(cx, e, "body"))
        .unwrap_or_default()
}

fn try_statement<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> StmtKind<'a> {
    let mut t = Try {
        body: body_of(cx, node, "body"),
        handlers: Vec::new(),
        else_: Vec::new(),
        finally: Vec::new(),
    };
    for clause in kids(node) {
        match clause.kind() {
            "except_clause" | "except_group_clause" => {
                let mut h = Handler {
                    span: cx.span(clause),
                    types: None,
                    name: None,
                    body: Vec::new(),
                };
                for part in kids(clause) {
                    match part.kind() {
                        "block" => h.body = block(cx, part),
                        "as_pattern" => {
                            h.types = kids(part).next().map(|t| expr(cx, t));
                            h.name = part.field("alias").map(|a| cx.text(a).trim());
                        }
                        _ if h.types.is_none() => h.types = Some(expr(cx, part)),
                        // `except E, e:` (Python 2) and `except E as e` in older grammars.
                        "identifier" => h.name = Some(cx.text(part)),
                        _ => {}
                    }
                }
                t.handlers.push(h);
            }
            "else_clause" => t.else_ = body_of(cx, clause, "body"),
            "finally_clause" => {
                t.finally = kids(clause)
                    .find(|b| b.kind() == "block")
                    .map(|b| block(cx, b))
                    .unwrap_or_default();
            }
            _ => {}
        }
    }
    StmtKind::Try(Box::new(t))
}

fn with_statement<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> StmtKind<'a> {
    let mut items = Vec::new();
    if let Some(clause) = kids(node).find(|c| c.kind() == "with_clause") {
        for item in kids(clause).filter(|i| i.kind() == "with_item") {
            let Some(value) = item.field("value") else {
                continue;
            };
            if value.kind() == "as_pattern" {
                let context = match kids(value).next() {
                    Some(c) => expr(cx, c),
                    None => Expr::unknown(cx.span(value)),
                };
                let target = value
                    .field("alias")
                    .and_then(|a| kids(a).next())
                    .map(|t| expr(cx, t));
                items.push(WithItem { context, target });
            } else {
                items.push(WithItem {
                    context: expr(cx, value),
                    target: None,
                });
            }
        }
    }
    StmtKind::With(Box::new(With {
        items,
        body: body_of(cx, node, "body"),
        is_async: has_token(node, "async"),
    }))
}

fn match_statement<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> StmtKind<'a> {
    let subjects = field_kids(node, "subject");
    let subject = match subjects.as_slice() {
        [one] => expr(cx, *one),
        many => tuple_of(cx, node, many),
    };
    let mut arms = Vec::new();
    if let Some(body) = node.field("body") {
        for case in kids(body).filter(|c| c.kind() == "case_clause") {
            let patterns: Vec<Node<'_>> =
                kids(case).filter(|c| c.kind() == "case_pattern").collect();
            let pattern = match patterns.as_slice() {
                [one] => pattern(cx, *one),
                many => {
                    let items = many.iter().map(|p| pattern(cx, *p)).collect();
                    container(cx, case, ContainerKind::Tuple, items)
                }
            };
            let guard = case
                .field("guard")
                .and_then(|g| kids(g).next())
                .map(|g| expr(cx, g));
            arms.push(Arm {
                span: cx.span(case),
                pattern,
                guard,
                body: body_of(cx, case, "consequence"),
            });
        }
    }
    StmtKind::Match(Box::new(Match { subject, arms }))
}

/// `assert c, m` is `if not c: raise m` — the shape every analysis already reads as a check that denies.
fn assert_statement<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> StmtKind<'a> {
    let mut parts = kids(node);
    let span = cx.span(node);
    let cond = match parts.next() {
        Some(c) => expr(cx, c),
        None => Expr::unknown(span),
    };
    let message = parts.next().map(|m| expr(cx, m));
    StmtKind::If(Box::new(If {
        cond: Expr::new(span, ExprKind::Not(Box::new(cond))),
        then: vec![Stmt {
            span,
            kind: StmtKind::Raise(message),
        }],
        else_: Vec::new(),
    }))
}

fn imports(cx: &mut Cx<'_>, node: Node<'_>) {
    let span = cx.span(node);
    let new = |path, name, alias, level, glob| Import {
        span,
        level,
        path,
        name,
        alias,
        glob,
        public: false,
    };
    if node.kind() == "import_statement" {
        for item in field_kids(node, "name") {
            let (module, alias) = aliased(cx, item);
            cx.imports.push(new(module, None, alias, 0, false));
        }
        return;
    }
    let (path, level) = match node.field("module_name") {
        Some(m) if m.kind() == "relative_import" => {
            let level = kids(m)
                .find(|c| c.kind() == "import_prefix")
                .map_or(0, |p| cx.text(p).matches('.').count() as u32);
            let path = kids(m)
                .find(|c| c.kind() == "dotted_name")
                .map(|d| dotted_parts(cx, d))
                .unwrap_or_default();
            (path, level)
        }
        Some(m) => (dotted_parts(cx, m), 0),
        // `from __future__ import x`
        None => (vec!["__future__"], 0),
    };
    if kids(node).any(|c| c.kind() == "wildcard_import") {
        cx.imports.push(new(path, None, None, level, true));
        return;
    }
    for item in field_kids(node, "name") {
        let (name, alias) = aliased(cx, item);
        let name = name.last().copied();
        cx.imports
            .push(new(path.clone(), name, alias, level, false));
    }
}

/// `a.b as c` → (`a, b`, `c`); `a.b` → (`a, b`, none).
fn aliased<'a>(cx: &Cx<'a>, item: Node<'_>) -> (Vec<&'a str>, Option<&'a str>) {
    if item.kind() == "aliased_import" {
        let name = item
            .field("name")
            .map(|n| dotted_parts(cx, n))
            .unwrap_or_default();
        (name, item.field("alias").map(|a| cx.text(a)))
    } else {
        (dotted_parts(cx, item), None)
    }
}

fn dotted_parts<'a>(cx: &Cx<'a>, node: Node<'_>) -> Vec<&'a str> {
    if node.kind() == "dotted_name" {
        kids(node).map(|c| cx.text(c)).collect()
    } else {
        vec![cx.text(node)]
    }
}

fn function<'a>(cx: &mut Cx<'a>, node: Node<'_>, decorators: Vec<Expr<'a>>) -> Function<'a> {
    Function {
        span: cx.span(node),
        name: node.field("name").map_or("", |n| cx.text(n)),
        params: node
            .field("parameters")
            .map(|p| params(cx, p))
            .unwrap_or_default(),
        returns: node.field("return_type").map(|t| ty(cx, t)),
        decorators,
        is_async: has_token(node, "async"),
        body: body_of(cx, node, "body"),
    }
}

fn params<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Vec<Param<'a>> {
    let mut out = Vec::new();
    for p in kids(node) {
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
        let name_node = match p.kind() {
            "identifier" | "list_splat_pattern" | "dictionary_splat_pattern" => Some(p),
            "typed_parameter" | "typed_default_parameter" | "default_parameter" => {
                param.annotation = p.field("type").map(|t| ty(cx, t));
                param.default = p.field("value").map(|v| expr(cx, v));
                p.field("name").or_else(|| kids(p).next())
            }
            _ => None,
        };
        let Some(mut name_node) = name_node else {
            continue;
        };
        match name_node.kind() {
            "list_splat_pattern" => param.kind = ParamKind::VarArgs,
            "dictionary_splat_pattern" => param.kind = ParamKind::KwArgs,
            _ => {}
        }
        if param.kind != ParamKind::Normal {
            name_node = kids(name_node).next().unwrap_or(name_node);
        }
        param.name = cx.text(name_node);
        out.push(param);
    }
    out
}

fn class<'a>(cx: &mut Cx<'a>, node: Node<'_>, decorators: Vec<Expr<'a>>) -> Class<'a> {
    let mut c = Class {
        span: cx.span(node),
        kind: ClassKind::Class,
        name: node.field("name").map_or("", |n| cx.text(n)),
        bases: Vec::new(),
        keywords: Vec::new(),
        implements: None,
        decorators,
        fields: Vec::new(),
        methods: Vec::new(),
        body: Vec::new(),
    };
    if let Some(supers) = node.field("superclasses") {
        let (args, kwargs) = arguments(cx, supers);
        c.bases = args;
        c.keywords = kwargs;
    }
    let mut body = Vec::new();
    if let Some(b) = node.field("body") {
        for s in kids(b) {
            stmt(cx, s, &mut body);
        }
    }
    for s in body {
        match s.kind {
            StmtKind::FunctionDef(f) => c.methods.push(*f),
            StmtKind::Assign(a) if is_field(&a) => {
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

/// A class attribute: one plain name assigned or annotated in the class body (not `a = b = 1`, not `a, b = …`).
fn is_field(a: &Assign<'_>) -> bool {
    matches!(a.targets.as_slice(), [t] if matches!(t.kind, ExprKind::Name(_)))
}

fn ty<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Ty<'a> {
    Ty {
        text: cx.text(node),
        expr: type_expr(cx, node),
    }
}

/// A type annotation as an expression: `Mapped[int]` is an index of `Mapped`, `A | B` a `|` operation.
fn type_expr<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    if !cx.enter() {
        return Expr::unknown(cx.span(node));
    }
    let span = cx.span(node);
    let e = match node.kind() {
        "type" => match kids(node).next() {
            Some(inner) => type_expr(cx, inner),
            None => Expr::unknown(span),
        },
        "generic_type" => {
            let mut parts = kids(node);
            let base = match parts.next() {
                Some(b) => type_expr(cx, b),
                None => Expr::unknown(span),
            };
            let args: Vec<Expr<'a>> = parts
                .filter(|p| p.kind() == "type_parameter")
                .flat_map(|p| kids(p).collect::<Vec<_>>())
                .map(|t| type_expr(cx, t))
                .collect();
            index(span, base, args)
        }
        "union_type" => {
            let mut parts = kids(node);
            let left = parts
                .next()
                .map_or(Expr::unknown(span), |l| type_expr(cx, l));
            let right = parts
                .next()
                .map_or(Expr::unknown(span), |r| type_expr(cx, r));
            Expr::new(
                span,
                ExprKind::BinOp(Box::new(BinOp {
                    op: "|",
                    left,
                    right,
                })),
            )
        }
        "member_type" => {
            let mut parts = kids(node);
            let base = parts
                .next()
                .map_or(Expr::unknown(span), |b| type_expr(cx, b));
            let name = parts.next().map_or("", |n| cx.text(n));
            Expr::new(span, ExprKind::Attr(Box::new(Attr { base, name })))
        }
        "constrained_type" | "splat_type" => Expr::unknown(span),
        _ => expr(cx, node),
    };
    cx.leave();
    e
}

/// `base[args]`: one argument is the index itself, several are a tuple.
fn index<'a>(span: super::Span, base: Expr<'a>, mut args: Vec<Expr<'a>>) -> Expr<'a> {
    let index = if args.len() == 1 {
        args.remove(0)
    } else {
        Expr::new(
            span,
            ExprKind::Container(Box::new(Container {
                kind: ContainerKind::Tuple,
                items: args,
            })),
        )
    };
    Expr::new(span, ExprKind::Index(Box::new(Index { base, index })))
}

fn container<'a>(
    cx: &Cx<'a>,
    node: Node<'_>,
    kind: ContainerKind,
    items: Vec<Expr<'a>>,
) -> Expr<'a> {
    Expr::new(
        cx.span(node),
        ExprKind::Container(Box::new(Container { kind, items })),
    )
}

fn tuple_of<'a>(cx: &mut Cx<'a>, node: Node<'_>, parts: &[Node<'_>]) -> Expr<'a> {
    let items = parts.iter().map(|p| expr(cx, *p)).collect();
    container(cx, node, ContainerKind::Tuple, items)
}

fn arguments<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> (Vec<Expr<'a>>, Vec<Kwarg<'a>>) {
    let mut args = Vec::new();
    let mut kwargs = Vec::new();
    if node.kind() == "generator_expression" {
        // `f(x for x in xs)`
        args.push(expr(cx, node));
        return (args, kwargs);
    }
    for a in kids(node) {
        if a.kind() == "keyword_argument" {
            let name = a.field("name").map_or("", |n| cx.text(n));
            let value = field_expr(cx, a, "value");
            kwargs.push(Kwarg { name, value });
        } else {
            args.push(expr(cx, a));
        }
    }
    (args, kwargs)
}

pub(super) fn expr<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    cx.nested(node, expr_inner)
}

fn expr_inner<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    let span = cx.span(node);
    let kind = match node.kind() {
        "identifier" | "keyword_identifier" => ExprKind::Name(cx.text(node)),
        "attribute" | "call" | "subscript" | "binary_operator" | "boolean_operator" => {
            return cx.chain(node, chain_inner, expr_inner, chain_link);
        }
        "slice" => {
            let items = kids(node).map(|p| expr(cx, p)).collect();
            ExprKind::Container(Box::new(Container {
                kind: ContainerKind::Tuple,
                items,
            }))
        }
        "string" => return string(cx, node),
        "concatenated_string" => {
            let parts = kids(node).map(|s| string(cx, s)).collect();
            ExprKind::StrBuild(Box::new(StrBuild {
                kind: StrBuildKind::Concat,
                parts,
                via: None,
            }))
        }
        "integer" => return cx.lit(node, LitKind::Int),
        "float" => return cx.lit(node, LitKind::Float),
        "true" | "false" => return cx.lit(node, LitKind::Bool),
        "none" => return cx.lit(node, LitKind::None),
        "ellipsis" => return cx.lit(node, LitKind::Ellipsis),
        "list" | "list_pattern" => {
            let items = kids(node).map(|p| expr(cx, p)).collect();
            return container(cx, node, ContainerKind::List, items);
        }
        "tuple" | "expression_list" | "pattern_list" | "tuple_pattern" => {
            let items = kids(node).map(|p| expr(cx, p)).collect();
            return container(cx, node, ContainerKind::Tuple, items);
        }
        "set" => {
            let items = kids(node).map(|p| expr(cx, p)).collect();
            return container(cx, node, ContainerKind::Set, items);
        }
        "dictionary" => {
            let items = kids(node).map(|p| expr(cx, p)).collect();
            return container(cx, node, ContainerKind::Dict, items);
        }
        "pair" => {
            let items = vec![field_expr(cx, node, "key"), field_expr(cx, node, "value")];
            return container(cx, node, ContainerKind::Pair, items);
        }
        "list_splat" | "list_splat_pattern" => spread(cx, node, false),
        "dictionary_splat" | "dictionary_splat_pattern" => spread(cx, node, true),
        "list_comprehension" => return comprehension(cx, node, ContainerKind::List),
        "set_comprehension" => return comprehension(cx, node, ContainerKind::Set),
        "dictionary_comprehension" => return comprehension(cx, node, ContainerKind::Dict),
        "generator_expression" => return comprehension(cx, node, ContainerKind::Tuple),
        "not_operator" => ExprKind::Not(Box::new(field_expr(cx, node, "argument"))),
        "unary_operator" => ExprKind::Unary(Box::new(field_expr(cx, node, "argument"))),
        "comparison_operator" => comparison(cx, node),
        "conditional_expression" => {
            let parts: Vec<Node<'_>> = kids(node).collect();
            let [then, cond, other] = parts.as_slice() else {
                return Expr::unknown(span);
            };
            let then = expr(cx, *then);
            let cond = expr(cx, *cond);
            let other = expr(cx, *other);
            ExprKind::Block(vec![Stmt {
                span,
                kind: StmtKind::If(Box::new(If {
                    cond,
                    then: vec![value_stmt(then)],
                    else_: vec![value_stmt(other)],
                })),
            }])
        }
        "lambda" => {
            let params = node
                .field("parameters")
                .map(|p| params(cx, p))
                .unwrap_or_default();
            let body = field_expr(cx, node, "body");
            ExprKind::Lambda(Box::new(Lambda {
                params,
                body: vec![Stmt {
                    span: body.span,
                    kind: StmtKind::Return(Some(body)),
                }],
                is_async: false,
            }))
        }
        "await" => match kids(node).next() {
            Some(v) => ExprKind::Await(Box::new(expr(cx, v))),
            None => ExprKind::Unknown,
        },
        "parenthesized_expression" | "as_pattern" | "case_pattern" => match kids(node).next() {
            Some(inner) => return expr(cx, inner),
            None => ExprKind::Unknown,
        },
        "named_expression" => {
            let name = field_expr(cx, node, "name");
            let value = field_expr(cx, node, "value");
            ExprKind::Block(vec![
                Stmt {
                    span,
                    kind: StmtKind::Assign(Box::new(Assign {
                        targets: vec![name.clone()],
                        value: Some(value),
                        annotation: None,
                        else_: Vec::new(),
                    })),
                },
                value_stmt(name),
            ])
        }
        "dotted_name" => return dotted(cx, node),
        // A generator's `yield v` hands `v` out; its value is what the caller sends back, unknown here.
        "yield" => ExprKind::Opaque(kids(node).map(|v| expr(cx, v)).collect()),
        _ => ExprKind::Unknown,
    };
    Expr::new(span, kind)
}

fn value_stmt(e: Expr<'_>) -> Stmt<'_> {
    Stmt {
        span: e.span,
        kind: StmtKind::Value(e),
    }
}

fn spread<'a>(cx: &mut Cx<'a>, node: Node<'_>, double: bool) -> ExprKind<'a> {
    match kids(node).next() {
        Some(v) => ExprKind::Spread(Box::new(expr(cx, v)), double),
        None => ExprKind::Unknown,
    }
}

fn dotted<'a>(cx: &Cx<'a>, node: Node<'_>) -> Expr<'a> {
    let mut parts = kids(node);
    let Some(first) = parts.next() else {
        return Expr::unknown(cx.span(node));
    };
    let mut e = Expr::new(cx.span(first), ExprKind::Name(cx.text(first)));
    for p in parts {
        let span = super::Span {
            end: p.end_byte() as u32,
            ..e.span
        };
        e = Expr::new(
            span,
            ExprKind::Attr(Box::new(Attr {
                base: e,
                name: cx.text(p),
            })),
        );
    }
    e
}

/// The child a chain link wraps: a call's callee, an attribute's object, a subscript's value, a binary
/// operation's left operand.
fn chain_inner(node: Node<'_>) -> Option<Node<'_>> {
    let field = match node.kind() {
        "attribute" => "object",
        "call" => "function",
        "subscript" => "value",
        "binary_operator" | "boolean_operator" => "left",
        _ => return None,
    };
    node.field(field)
}

/// One link of a chain around its already lowered inner part.
fn chain_link<'a>(cx: &mut Cx<'a>, node: Node<'_>, inner: Expr<'a>) -> Expr<'a> {
    let span = cx.span(node);
    match node.kind() {
        "attribute" => {
            let name = node.field("attribute").map_or("", |a| cx.text(a));
            Expr::new(span, ExprKind::Attr(Box::new(Attr { base: inner, name })))
        }
        "call" => call(cx, node, inner),
        "subscript" => {
            let args = field_kids(node, "subscript")
                .into_iter()
                .map(|s| expr(cx, s))
                .collect();
            index(span, inner, args)
        }
        "binary_operator" => binary(cx, node, inner),
        "boolean_operator" => boolean(cx, node, inner),
        _ => inner,
    }
}

fn call<'a>(cx: &mut Cx<'a>, node: Node<'_>, callee: Expr<'a>) -> Expr<'a> {
    let span = cx.span(node);
    let (args, kwargs) = match node.field("arguments") {
        Some(a) => arguments(cx, a),
        None => (Vec::new(), Vec::new()),
    };
    // `"…{}".format(a, k=b)` builds a string: the template, then every argument.
    if let ExprKind::Attr(a) = &callee.kind
        && a.name == "format"
        && is_stringy(&a.base)
    {
        let ExprKind::Attr(a) = callee.kind else {
            return Expr::unknown(span);
        };
        let mut parts = vec![a.base];
        parts.extend(args);
        parts.extend(kwargs.into_iter().map(|k| k.value));
        return Expr::new(
            span,
            ExprKind::StrBuild(Box::new(StrBuild {
                kind: StrBuildKind::Format,
                parts,
                via: None,
            })),
        );
    }
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

fn is_stringy(e: &Expr<'_>) -> bool {
    matches!(
        e.kind,
        ExprKind::Lit(Lit {
            kind: LitKind::Str,
            ..
        }) | ExprKind::StrBuild(_)
    )
}

/// A string literal, or an f-string's literal chunks and interpolated expressions.
fn string<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    let span = cx.span(node);
    let text: &'a str = &cx.file.text;
    let mut start = None;
    let mut end = node.end_byte();
    let mut is_bytes = false;
    let mut is_f = false;
    let mut parts: Vec<Expr<'a>> = Vec::new();
    let mut chunk: Option<(usize, usize, u32)> = None;
    let flush = |chunk: &mut Option<(usize, usize, u32)>, parts: &mut Vec<Expr<'a>>| {
        if let Some((s, e, line)) = chunk.take() {
            parts.push(Expr::new(
                super::Span {
                    start: s as u32,
                    end: e as u32,
                    line,
                },
                ExprKind::Lit(Lit {
                    kind: LitKind::Str,
                    text: text.get(s..e).unwrap_or(""),
                }),
            ));
        }
    };
    for c in all_children(node) {
        match c.kind() {
            "string_start" => {
                let prefix = cx.text(c).to_ascii_lowercase();
                is_bytes = prefix.contains('b');
                is_f = prefix.contains('f') || prefix.contains('t');
                start = Some(c.end_byte());
            }
            "string_end" => end = c.start_byte(),
            "interpolation" => {
                flush(&mut chunk, &mut parts);
                if let Some(e) = c.field("expression").or_else(|| kids(c).next()) {
                    parts.push(expr(cx, e));
                }
            }
            _ if c.is_named() && !c.is_extra() => {
                let line = c.start_position().row as u32 + 1;
                chunk = match chunk {
                    Some((s, _, l)) => Some((s, c.end_byte(), l)),
                    None => Some((c.start_byte(), c.end_byte(), line)),
                };
            }
            _ => {}
        }
    }
    if is_f && parts.iter().any(|p| !matches!(p.kind, ExprKind::Lit(_))) {
        flush(&mut chunk, &mut parts);
        return Expr::new(
            span,
            ExprKind::StrBuild(Box::new(StrBuild {
                kind: StrBuildKind::FString,
                parts,
                via: None,
            })),
        );
    }
    let start = start.unwrap_or(node.start_byte());
    let kind = if is_bytes {
        LitKind::Bytes
    } else {
        LitKind::Str
    };
    Expr::new(
        span,
        ExprKind::Lit(Lit {
            kind,
            text: text.get(start..end.max(start)).unwrap_or(""),
        }),
    )
}

fn binary<'a>(cx: &mut Cx<'a>, node: Node<'_>, left: Expr<'a>) -> Expr<'a> {
    let span = cx.span(node);
    let op = node.field("operator").map_or("", |o| cx.text(o));
    let right = field_expr(cx, node, "right");
    if op == "%" && is_stringy(&left) {
        let mut parts = vec![left];
        match right.kind {
            ExprKind::Container(c) if c.kind == ContainerKind::Tuple => parts.extend(c.items),
            kind => parts.push(Expr::new(right.span, kind)),
        }
        return str_build(span, StrBuildKind::Percent, parts);
    }
    if op == "+" && (is_stringy(&left) || is_stringy(&right)) {
        return concat(span, left, right);
    }
    Expr::new(span, ExprKind::BinOp(Box::new(BinOp { op, left, right })))
}

fn str_build(span: super::Span, kind: StrBuildKind, parts: Vec<Expr<'_>>) -> Expr<'_> {
    Expr::new(
        span,
        ExprKind::StrBuild(Box::new(StrBuild {
            kind,
            parts,
            via: None,
        })),
    )
}

/// `a + b` where either side is a string: one `Concat` whose parts are the operands, flattening a left operand
/// that is already a concatenation (`"a" + b + c`).
pub(super) fn concat<'a>(span: super::Span, left: Expr<'a>, right: Expr<'a>) -> Expr<'a> {
    let mut parts = match left.kind {
        ExprKind::StrBuild(b) if b.kind == StrBuildKind::Concat => b.parts,
        kind => vec![Expr::new(left.span, kind)],
    };
    parts.push(right);
    str_build(span, StrBuildKind::Concat, parts)
}

fn boolean<'a>(cx: &mut Cx<'a>, node: Node<'_>, left: Expr<'a>) -> Expr<'a> {
    let span = cx.span(node);
    let op = match node.field("operator").map(|o| cx.text(o)) {
        Some("or") => BoolOpKind::Or,
        _ => BoolOpKind::And,
    };
    let right = field_expr(cx, node, "right");
    bool_op(span, op, left, right)
}

/// `a and b and c` as one operation with three values.
pub(super) fn bool_op<'a>(
    span: super::Span,
    op: BoolOpKind,
    left: Expr<'a>,
    right: Expr<'a>,
) -> Expr<'a> {
    let mut values = match left.kind {
        ExprKind::BoolOp(b) if b.op == op => b.values,
        kind => vec![Expr::new(left.span, kind)],
    };
    values.push(right);
    Expr::new(span, ExprKind::BoolOp(Box::new(BoolOp { op, values })))
}

fn comparison<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> ExprKind<'a> {
    let mut left = None;
    let mut ops = Vec::new();
    let mut op: Option<&'a str> = None;
    let mut children: Vec<(Node<'_>, bool)> = Vec::new();
    let mut cursor = node.walk();
    if cursor.goto_first_child() {
        loop {
            children.push((cursor.node(), cursor.field_name() == Some("operators")));
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
    for (c, is_op) in children {
        if is_op {
            op = Some(cx.text(c));
        } else if c.is_named() && !c.is_extra() {
            let e = expr(cx, c);
            match left {
                None => left = Some(e),
                Some(_) => ops.push((op.take().unwrap_or(""), e)),
            }
        }
    }
    let Some(left) = left else {
        return ExprKind::Unknown;
    };
    ExprKind::Compare(Box::new(Compare { left, ops }))
}

fn comprehension<'a>(cx: &mut Cx<'a>, node: Node<'_>, kind: ContainerKind) -> Expr<'a> {
    let element = field_expr(cx, node, "body");
    let mut generators: Vec<Generator<'a>> = Vec::new();
    for c in kids(node) {
        match c.kind() {
            "for_in_clause" => {
                let target = field_expr(cx, c, "left");
                let iters = field_kids(c, "right");
                let iter = match iters.as_slice() {
                    [one] => expr(cx, *one),
                    many => tuple_of(cx, c, many),
                };
                generators.push(Generator {
                    target,
                    iter,
                    conds: Vec::new(),
                });
            }
            "if_clause" => {
                if let Some(cond) = kids(c).next() {
                    let cond = expr(cx, cond);
                    if let Some(g) = generators.last_mut() {
                        g.conds.push(cond);
                    }
                }
            }
            _ => {}
        }
    }
    Expr::new(
        cx.span(node),
        ExprKind::Comprehension(Box::new(Comprehension {
            kind,
            element,
            generators,
        })),
    )
}

/// A `case` pattern as an expression: `Point(x=0)` is a call, `"a" | "b"` an `or`, `_` the name `_`.
fn pattern<'a>(cx: &mut Cx<'a>, node: Node<'_>) -> Expr<'a> {
    if !cx.enter() {
        return Expr::unknown(cx.span(node));
    }
    let span = cx.span(node);
    let e = match node.kind() {
        "case_pattern" => match kids(node).next() {
            Some(inner) => pattern(cx, inner),
            None => Expr::new(span, ExprKind::Name("_")),
        },
        "class_pattern" => {
            let mut parts = kids(node);
            let callee = parts.next().map_or(Expr::unknown(span), |c| dotted(cx, c));
            let mut args = Vec::new();
            let mut kwargs = Vec::new();
            for p in parts {
                let inner = if p.kind() == "case_pattern" {
                    kids(p).next().unwrap_or(p)
                } else {
                    p
                };
                if inner.kind() == "keyword_pattern" {
                    let mut kp = kids(inner);
                    let name = kp.next().map_or("", |n| cx.text(n));
                    let value = kp.next().map_or(Expr::unknown(span), |v| pattern(cx, v));
                    kwargs.push(Kwarg { name, value });
                } else {
                    args.push(pattern(cx, inner));
                }
            }
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
        "union_pattern" => {
            let values = kids(node).map(|p| pattern(cx, p)).collect();
            Expr::new(
                span,
                ExprKind::BoolOp(Box::new(BoolOp {
                    op: BoolOpKind::Or,
                    values,
                })),
            )
        }
        "list_pattern" | "tuple_pattern" => {
            let items = kids(node).map(|p| pattern(cx, p)).collect();
            container(cx, node, ContainerKind::Tuple, items)
        }
        "as_pattern" => match kids(node).next() {
            Some(inner) => pattern(cx, inner),
            None => Expr::unknown(span),
        },
        "dict_pattern" | "splat_pattern" | "complex_pattern" => Expr::unknown(span),
        _ => expr(cx, node),
    };
    cx.leave();
    e
}
