//! Iterating over a lowered module without recursion: every function (nested ones and methods included) and
//! every expression of a body. Chains in the IR can be [`super::MAX_CHAIN`] links long, so a recursive visitor
//! could need thousands of frames; these walks keep their own stack.

use super::{Class, Expr, ExprKind, Function, Module, Param, Stmt, StmtKind};

/// A function of a module and the class it is a method of (`None` for a free or nested function).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'m, 'a> {
    pub class: Option<&'m Class<'a>>,
    pub function: &'m Function<'a>,
}

/// Every function of `module` in source order of discovery: top-level functions, methods of classes (and of
/// classes nested anywhere), and functions defined inside other functions.
pub fn functions<'m, 'a>(module: &'m Module<'a>) -> Vec<Scope<'m, 'a>> {
    let mut out = Vec::new();
    definitions(module, |s| out.push(s), |_| {});
    out
}

/// Every class of `module`, nested ones included (their bodies hold class-level code: attributes, `Meta`).
pub fn classes<'m, 'a>(module: &'m Module<'a>) -> Vec<&'m Class<'a>> {
    let mut out = Vec::new();
    definitions(module, |_| {}, |c| out.push(c));
    out
}

fn definitions<'m, 'a>(
    module: &'m Module<'a>,
    mut on_function: impl FnMut(Scope<'m, 'a>),
    mut on_class: impl FnMut(&'m Class<'a>),
) {
    let mut stack: Vec<(Option<&'m Class<'a>>, &'m [Stmt<'a>])> = vec![(None, &module.body)];
    while let Some((class, body)) = stack.pop() {
        for s in body {
            match &s.kind {
                StmtKind::FunctionDef(f) => {
                    on_function(Scope { class, function: f });
                    stack.push((None, &f.body));
                }
                StmtKind::ClassDef(c) => {
                    on_class(c);
                    for m in &c.methods {
                        on_function(Scope {
                            class: Some(c),
                            function: m,
                        });
                        stack.push((None, &m.body));
                    }
                    stack.push((Some(c), &c.body));
                }
                StmtKind::Mod(m) => {
                    if let Some(b) = &m.body {
                        stack.push((None, b));
                    }
                }
                _ => {
                    // Definitions inside `if`, `try` or `with` blocks (a conditional import fallback).
                    for_each_child_block(s, |b| stack.push((class, b)));
                }
            }
        }
    }
}

/// Calls `f` on the statement blocks directly inside `s` (branches, loop bodies, handlers), not on nested
/// definitions.
fn for_each_child_block<'m, 'a>(s: &'m Stmt<'a>, mut f: impl FnMut(&'m [Stmt<'a>])) {
    match &s.kind {
        StmtKind::Assign(a) => f(&a.else_),
        StmtKind::If(i) => {
            f(&i.then);
            f(&i.else_);
        }
        StmtKind::Match(m) => m.arms.iter().for_each(|a| f(&a.body)),
        StmtKind::Loop(l) => {
            f(&l.body);
            f(&l.else_);
        }
        StmtKind::Try(t) => {
            f(&t.body);
            t.handlers.iter().for_each(|h| f(&h.body));
            f(&t.else_);
            f(&t.finally);
        }
        StmtKind::With(w) => f(&w.body),
        _ => {}
    }
}

enum Item<'m, 'a> {
    Stmt(&'m Stmt<'a>),
    Expr(&'m Expr<'a>),
}

/// Calls `f` on every expression evaluated by `body`, parents before their children, without entering nested
/// function or class definitions (each is a scope of its own, see [`functions`]); lambdas and closures are
/// entered, since they run with the enclosing function's values. Decorators and parameter defaults of a nested
/// definition are evaluated by the enclosing body, so they are visited.
/// The names an assignment target binds: `x`, each name of `a, (b, *rest)`. Attribute and subscript targets
/// (`self.x`, `d[k]`) bind no name.
pub fn names_in<'a>(target: &Expr<'a>, f: &mut impl FnMut(&'a str)) {
    let mut stack = vec![target];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Name(n) => f(n),
            ExprKind::Container(c) => stack.extend(c.items.iter()),
            ExprKind::Spread(x, _) => stack.push(x),
            _ => {}
        }
    }
}

pub fn exprs<'m, 'a>(body: &'m [Stmt<'a>], f: &mut impl FnMut(&'m Expr<'a>)) {
    let mut stack: Vec<Item<'m, 'a>> = body.iter().rev().map(Item::Stmt).collect();
    while let Some(item) = stack.pop() {
        match item {
            Item::Stmt(s) => push_stmt(s, &mut stack),
            Item::Expr(e) => {
                f(e);
                push_expr(e, &mut stack);
            }
        }
    }
}

fn push_stmt<'m, 'a>(s: &'m Stmt<'a>, stack: &mut Vec<Item<'m, 'a>>) {
    // Pushed in reverse so they pop in source order.
    let mut items: Vec<Item<'m, 'a>> = Vec::new();
    let block = |items: &mut Vec<Item<'m, 'a>>, b: &'m [Stmt<'a>]| {
        items.extend(b.iter().map(Item::Stmt));
    };
    match &s.kind {
        StmtKind::Assign(a) => {
            items.extend(a.value.iter().map(Item::Expr));
            items.extend(a.targets.iter().map(Item::Expr));
            block(&mut items, &a.else_);
        }
        StmtKind::AugAssign(a) => {
            items.push(Item::Expr(&a.value));
            items.push(Item::Expr(&a.target));
        }
        StmtKind::If(i) => {
            items.push(Item::Expr(&i.cond));
            block(&mut items, &i.then);
            block(&mut items, &i.else_);
        }
        StmtKind::Match(m) => {
            items.push(Item::Expr(&m.subject));
            for arm in &m.arms {
                items.extend(arm.guard.iter().map(Item::Expr));
                block(&mut items, &arm.body);
            }
        }
        StmtKind::Loop(l) => {
            items.extend(l.iter.iter().map(Item::Expr));
            items.extend(l.target.iter().map(Item::Expr));
            block(&mut items, &l.body);
            block(&mut items, &l.else_);
        }
        StmtKind::Try(t) => {
            block(&mut items, &t.body);
            for h in &t.handlers {
                items.extend(h.types.iter().map(Item::Expr));
                block(&mut items, &h.body);
            }
            block(&mut items, &t.else_);
            block(&mut items, &t.finally);
        }
        StmtKind::With(w) => {
            for it in &w.items {
                items.push(Item::Expr(&it.context));
                items.extend(it.target.iter().map(Item::Expr));
            }
            block(&mut items, &w.body);
        }
        StmtKind::Return(e) | StmtKind::Raise(e) => items.extend(e.iter().map(Item::Expr)),
        StmtKind::Expr(e) | StmtKind::Value(e) => items.push(Item::Expr(e)),
        StmtKind::FunctionDef(f) => push_definition_header(f, &mut items),
        StmtKind::ClassDef(c) => {
            // What the class statement evaluates where it stands: decorators, bases, attribute values, and its
            // methods' decorators and defaults (the rest of its body is a scope of its own, see [`classes`]).
            items.extend(c.decorators.iter().map(Item::Expr));
            items.extend(c.bases.iter().map(Item::Expr));
            items.extend(c.keywords.iter().map(|k| Item::Expr(&k.value)));
            for f in &c.fields {
                items.extend(f.decorators.iter().map(Item::Expr));
                items.extend(f.value.iter().map(Item::Expr));
            }
            for m in &c.methods {
                push_definition_header(m, &mut items);
            }
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Mod(_) => {}
    }
    stack.extend(items.into_iter().rev());
}

/// What a `def` evaluates where it stands: its decorators and its parameters' defaults.
fn push_definition_header<'m, 'a>(f: &'m Function<'a>, items: &mut Vec<Item<'m, 'a>>) {
    items.extend(f.decorators.iter().map(Item::Expr));
    push_defaults(&f.params, items);
}

fn push_defaults<'m, 'a>(params: &'m [Param<'a>], items: &mut Vec<Item<'m, 'a>>) {
    items.extend(
        params
            .iter()
            .filter_map(|p| p.default.as_ref())
            .map(Item::Expr),
    );
}

fn push_expr<'m, 'a>(e: &'m Expr<'a>, stack: &mut Vec<Item<'m, 'a>>) {
    let mut items: Vec<Item<'m, 'a>> = Vec::new();
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Path(_) | ExprKind::Lit(_) | ExprKind::Unknown => {}
        ExprKind::StrBuild(b) => items.extend(b.parts.iter().map(Item::Expr)),
        ExprKind::Call(c) => {
            items.push(Item::Expr(&c.callee));
            items.extend(c.args.iter().map(Item::Expr));
            items.extend(c.kwargs.iter().map(|k| Item::Expr(&k.value)));
        }
        ExprKind::Attr(a) => items.push(Item::Expr(&a.base)),
        ExprKind::Index(i) => {
            items.push(Item::Expr(&i.base));
            items.push(Item::Expr(&i.index));
        }
        ExprKind::Container(c) => items.extend(c.items.iter().map(Item::Expr)),
        ExprKind::Compare(c) => {
            items.push(Item::Expr(&c.left));
            items.extend(c.ops.iter().map(|(_, r)| Item::Expr(r)));
        }
        ExprKind::BoolOp(b) => items.extend(b.values.iter().map(Item::Expr)),
        ExprKind::BinOp(b) => {
            items.push(Item::Expr(&b.left));
            items.push(Item::Expr(&b.right));
        }
        ExprKind::Not(x)
        | ExprKind::Unary(x)
        | ExprKind::Await(x)
        | ExprKind::Try(x)
        | ExprKind::Spread(x, _) => items.push(Item::Expr(x)),
        ExprKind::Lambda(l) => {
            push_defaults(&l.params, &mut items);
            items.extend(l.body.iter().map(Item::Stmt));
        }
        ExprKind::Comprehension(c) => {
            items.push(Item::Expr(&c.element));
            for g in &c.generators {
                items.push(Item::Expr(&g.iter));
                items.push(Item::Expr(&g.target));
                items.extend(g.conds.iter().map(Item::Expr));
            }
        }
        ExprKind::Block(b) => items.extend(b.iter().map(Item::Stmt)),
        ExprKind::Let(l) => {
            items.push(Item::Expr(&l.value));
            items.push(Item::Expr(&l.pattern));
        }
        ExprKind::Opaque(xs) => items.extend(xs.iter().map(Item::Expr)),
    }
    stack.extend(items.into_iter().rev());
}
