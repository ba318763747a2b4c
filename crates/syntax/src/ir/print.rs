//! A compact, readable rendering of the IR for snapshot tests and debugging: one line per statement with its
//! 1-based line (`L4`), expressions inline in a Python-like notation. A regression shows as a small diff.
//!
//! Notation: `Name`, `a::b` (path), `"s"` (string literal, raw), `f(a, k=v)`, `m!(…)` (macro), `a.b`, `a[i]`,
//! `[…]` list, `(…,)` tuple, `{k: v}` dict, `set{…}`, `(a == b)`, `(a and b)`, `(a + b)`, `not a`, `-a`,
//! `await a`, `a?`, `*a` / `**a`, `lambda(p) { … }`, `{ …; value v }` (block), `let P = v` (let condition),
//! `fstr[…]` / `concat[…]` / `percent[…]` / `format[…]` (string builds), `opaque(…)`, `?` (unknown).

use std::fmt::Write as _;

use crate::Lang;

use super::{
    BoolOpKind, Class, ClassKind, ContainerKind, Expr, ExprKind, Function, Import, LitKind,
    LoopKind, Module, Param, ParamKind, Stmt, StmtKind, StrBuildKind, Ty,
};

/// Renders a module: its imports, then its statements.
pub fn render(module: &Module<'_>) -> String {
    let mut out = String::new();
    for imp in &module.imports {
        let _ = writeln!(out, "L{} {}", imp.span.line, import(imp, module.lang));
    }
    for s in &module.body {
        stmt(&mut out, s, 0);
    }
    if module.depth_capped {
        out.push_str("(depth capped)\n");
    }
    out
}

fn import(imp: &Import<'_>, lang: Lang) -> String {
    let sep = if lang == Lang::Python { "." } else { "::" };
    let mut s = String::from(if imp.public { "pub import " } else { "import " });
    s.push_str(&".".repeat(imp.level as usize));
    s.push_str(&imp.path.join(sep));
    if imp.glob {
        if !imp.path.is_empty() {
            s.push_str(sep);
        }
        s.push('*');
    }
    if let Some(name) = imp.name {
        s.push_str(" : ");
        s.push_str(name);
    }
    if let Some(alias) = imp.alias {
        s.push_str(" as ");
        s.push_str(alias);
    }
    s
}

fn line(out: &mut String, depth: usize, at: u32, text: &str) {
    let _ = writeln!(out, "{}L{at} {text}", "  ".repeat(depth));
}

fn stmts(out: &mut String, body: &[Stmt<'_>], depth: usize) {
    for s in body {
        stmt(out, s, depth);
    }
}

fn stmt(out: &mut String, s: &Stmt<'_>, depth: usize) {
    let at = s.span.line;
    match &s.kind {
        StmtKind::Assign(a) => {
            let mut t = a.targets.iter().map(expr).collect::<Vec<_>>().join(" = ");
            if let Some(ty) = &a.annotation {
                let _ = write!(t, ": {}", ty_text(ty));
            }
            if let Some(v) = &a.value {
                let _ = write!(t, " = {}", expr(v));
            }
            line(out, depth, at, &format!("assign {t}"));
            if !a.else_.is_empty() {
                line(out, depth, at, "else");
                stmts(out, &a.else_, depth + 1);
            }
        }
        StmtKind::AugAssign(a) => line(
            out,
            depth,
            at,
            &format!("{} {}= {}", expr(&a.target), a.op, expr(&a.value)),
        ),
        StmtKind::If(i) => {
            line(out, depth, at, &format!("if {}", expr(&i.cond)));
            stmts(out, &i.then, depth + 1);
            if !i.else_.is_empty() {
                line(out, depth, at, "else");
                stmts(out, &i.else_, depth + 1);
            }
        }
        StmtKind::Match(m) => {
            line(out, depth, at, &format!("match {}", expr(&m.subject)));
            for arm in &m.arms {
                let guard = arm
                    .guard
                    .as_ref()
                    .map(|g| format!(" if {}", expr(g)))
                    .unwrap_or_default();
                line(
                    out,
                    depth + 1,
                    arm.span.line,
                    &format!("case {}{guard}", expr(&arm.pattern)),
                );
                stmts(out, &arm.body, depth + 2);
            }
        }
        StmtKind::Loop(l) => {
            let asy = if l.is_async { "async " } else { "" };
            let head = match l.kind {
                LoopKind::For => format!(
                    "{asy}for {} in {}",
                    opt(l.target.as_ref()),
                    opt(l.iter.as_ref())
                ),
                LoopKind::While => format!("while {}", opt(l.iter.as_ref())),
                LoopKind::Infinite => "loop".to_owned(),
            };
            line(out, depth, at, &head);
            stmts(out, &l.body, depth + 1);
            if !l.else_.is_empty() {
                line(out, depth, at, "else");
                stmts(out, &l.else_, depth + 1);
            }
        }
        StmtKind::Try(t) => {
            line(out, depth, at, "try");
            stmts(out, &t.body, depth + 1);
            for h in &t.handlers {
                let mut head = String::from("except");
                if let Some(ty) = &h.types {
                    let _ = write!(head, " {}", expr(ty));
                }
                if let Some(n) = h.name {
                    let _ = write!(head, " as {n}");
                }
                line(out, depth, h.span.line, &head);
                stmts(out, &h.body, depth + 1);
            }
            if !t.else_.is_empty() {
                line(out, depth, at, "else");
                stmts(out, &t.else_, depth + 1);
            }
            if !t.finally.is_empty() {
                line(out, depth, at, "finally");
                stmts(out, &t.finally, depth + 1);
            }
        }
        StmtKind::With(w) => {
            let items = w
                .items
                .iter()
                .map(|i| match &i.target {
                    Some(t) => format!("{} as {}", expr(&i.context), expr(t)),
                    None => expr(&i.context),
                })
                .collect::<Vec<_>>()
                .join(", ");
            let asy = if w.is_async { "async " } else { "" };
            line(out, depth, at, &format!("{asy}with {items}"));
            stmts(out, &w.body, depth + 1);
        }
        StmtKind::Return(v) => line(out, depth, at, &keyword("return", v.as_ref())),
        StmtKind::Raise(v) => line(out, depth, at, &keyword("raise", v.as_ref())),
        StmtKind::Break => line(out, depth, at, "break"),
        StmtKind::Continue => line(out, depth, at, "continue"),
        StmtKind::Expr(e) => line(out, depth, at, &expr(e)),
        StmtKind::Value(e) => line(out, depth, at, &format!("value {}", expr(e))),
        StmtKind::FunctionDef(f) => function(out, f, depth),
        StmtKind::ClassDef(c) => class(out, c, depth),
        StmtKind::Mod(m) => {
            let path = m
                .path_attr
                .map(|p| format!(" (path {p})"))
                .unwrap_or_default();
            let inline = if m.body.is_some() { " {…}" } else { ";" };
            line(out, depth, at, &format!("mod {}{path}{inline}", m.name));
            for imp in &m.imports {
                line(out, depth + 1, imp.span.line, &import(imp, Lang::Rust));
            }
            if let Some(body) = &m.body {
                stmts(out, body, depth + 1);
            }
        }
    }
}

fn decorators(out: &mut String, decs: &[Expr<'_>], depth: usize) {
    for d in decs {
        line(out, depth, d.span.line, &format!("@{}", expr(d)));
    }
}

fn function(out: &mut String, f: &Function<'_>, depth: usize) {
    decorators(out, &f.decorators, depth);
    let asy = if f.is_async { "async " } else { "" };
    let ret = f
        .returns
        .as_ref()
        .map(|t| format!(" -> {}", ty_text(t)))
        .unwrap_or_default();
    line(
        out,
        depth,
        f.span.line,
        &format!("{asy}def {}({}){ret}", f.name, params(&f.params)),
    );
    stmts(out, &f.body, depth + 1);
}

fn class(out: &mut String, c: &Class<'_>, depth: usize) {
    decorators(out, &c.decorators, depth);
    let kind = match c.kind {
        ClassKind::Class => "class",
        ClassKind::Struct => "struct",
        ClassKind::Enum => "enum",
        ClassKind::Trait => "trait",
        ClassKind::Impl => "impl",
    };
    let mut bases: Vec<String> = c.bases.iter().map(expr).collect();
    bases.extend(
        c.keywords
            .iter()
            .map(|k| format!("{}={}", k.name, expr(&k.value))),
    );
    let bases = if bases.is_empty() {
        String::new()
    } else {
        format!("({})", bases.join(", "))
    };
    let implements = c
        .implements
        .as_ref()
        .map(|t| format!(" implements {}", expr(t)))
        .unwrap_or_default();
    line(
        out,
        depth,
        c.span.line,
        &format!("{kind} {}{bases}{implements}", c.name),
    );
    for f in &c.fields {
        decorators(out, &f.decorators, depth + 1);
        let mut t = format!("field {}", f.name);
        if let Some(ty) = &f.annotation {
            let _ = write!(t, ": {}", ty_text(ty));
        }
        if let Some(v) = &f.value {
            let _ = write!(t, " = {}", expr(v));
        }
        line(out, depth + 1, f.span.line, &t);
    }
    for m in &c.methods {
        function(out, m, depth + 1);
    }
    stmts(out, &c.body, depth + 1);
}

fn ty_text(t: &Ty<'_>) -> String {
    expr(&t.expr)
}

fn params(ps: &[Param<'_>]) -> String {
    ps.iter().map(param).collect::<Vec<_>>().join(", ")
}

fn param(p: &Param<'_>) -> String {
    let mut s = String::new();
    for d in &p.decorators {
        let _ = write!(s, "@{} ", expr(d));
    }
    s.push_str(match p.kind {
        ParamKind::VarArgs => "*",
        ParamKind::KwArgs => "**",
        ParamKind::Normal | ParamKind::SelfParam => "",
    });
    s.push_str(p.name);
    if let Some(pat) = &p.pattern {
        let _ = write!(s, "@{}", expr(pat));
    }
    if let Some(t) = &p.annotation {
        let _ = write!(s, ": {}", ty_text(t));
    }
    if let Some(d) = &p.default {
        let _ = write!(s, " = {}", expr(d));
    }
    if let Some(x) = p.extractor {
        let _ = write!(s, " ~{x}");
    }
    s
}

fn keyword(word: &str, e: Option<&Expr<'_>>) -> String {
    match e {
        Some(e) => format!("{word} {}", expr(e)),
        None => word.to_owned(),
    }
}

fn opt(e: Option<&Expr<'_>>) -> String {
    e.map(expr).unwrap_or_default()
}

fn list(items: &[Expr<'_>]) -> String {
    items.iter().map(expr).collect::<Vec<_>>().join(", ")
}

/// Statements inline, for blocks and lambdas inside an expression.
fn inline(body: &[Stmt<'_>]) -> String {
    let mut out = String::new();
    stmts(&mut out, body, 0);
    let parts: Vec<&str> = out
        .lines()
        .map(|l| {
            let l = l.trim_start();
            l.split_once(' ').map_or(l, |(_, rest)| rest)
        })
        .collect();
    format!("{{ {} }}", parts.join("; "))
}

/// Deepest expression nesting printed; deeper parts print as `…`. The IR nests up to [`super::MAX_DEPTH`]
/// levels plus [`super::MAX_CHAIN`] chain links, more than a recursive printer's frames fit in a small stack.
const MAX_PRINT_DEPTH: u32 = 128;

thread_local! {
    static PRINT_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// One expression, inline.
pub fn expr(e: &Expr<'_>) -> String {
    let depth = PRINT_DEPTH.with(std::cell::Cell::get);
    if depth >= MAX_PRINT_DEPTH {
        return "…".to_owned();
    }
    PRINT_DEPTH.with(|d| d.set(depth + 1));
    let out = expr_inner(e);
    PRINT_DEPTH.with(|d| d.set(depth));
    out
}

fn expr_inner(e: &Expr<'_>) -> String {
    match &e.kind {
        ExprKind::Name(n) => (*n).to_owned(),
        ExprKind::Path(p) => p.join("::"),
        ExprKind::Lit(l) => match l.kind {
            LitKind::Str => format!("\"{}\"", l.text),
            LitKind::Bytes => format!("b\"{}\"", l.text),
            _ => l.text.to_owned(),
        },
        ExprKind::StrBuild(b) => {
            let kind = match b.kind {
                StrBuildKind::FString => "fstr",
                StrBuildKind::Concat => "concat",
                StrBuildKind::Percent => "percent",
                StrBuildKind::Format => "format",
            };
            let via = b.via.map(|v| format!(":{v}")).unwrap_or_default();
            format!("{kind}{via}[{}]", list(&b.parts))
        }
        ExprKind::Call(c) => {
            let mut args: Vec<String> = c.args.iter().map(expr).collect();
            args.extend(
                c.kwargs
                    .iter()
                    .map(|k| format!("{}={}", k.name, expr(&k.value))),
            );
            let bang = if c.is_macro { "!" } else { "" };
            format!("{}{bang}({})", expr(&c.callee), args.join(", "))
        }
        ExprKind::Attr(a) => format!("{}.{}", expr(&a.base), a.name),
        ExprKind::Index(i) => format!("{}[{}]", expr(&i.base), expr(&i.index)),
        ExprKind::Container(c) => match c.kind {
            ContainerKind::List => format!("[{}]", list(&c.items)),
            ContainerKind::Tuple if c.items.len() == 1 => format!("({},)", list(&c.items)),
            ContainerKind::Tuple => format!("({})", list(&c.items)),
            ContainerKind::Set => format!("set{{{}}}", list(&c.items)),
            ContainerKind::Dict => format!("{{{}}}", list(&c.items)),
            ContainerKind::Pair => match c.items.as_slice() {
                [k, v] => format!("{}: {}", expr(k), expr(v)),
                _ => "?pair".to_owned(),
            },
        },
        ExprKind::Compare(c) => {
            let mut s = format!("({}", expr(&c.left));
            for (op, right) in &c.ops {
                let _ = write!(s, " {op} {}", expr(right));
            }
            s.push(')');
            s
        }
        ExprKind::BoolOp(b) => {
            let op = match b.op {
                BoolOpKind::And => " and ",
                BoolOpKind::Or => " or ",
            };
            format!(
                "({})",
                b.values.iter().map(expr).collect::<Vec<_>>().join(op)
            )
        }
        ExprKind::BinOp(b) => format!("({} {} {})", expr(&b.left), b.op, expr(&b.right)),
        ExprKind::Not(x) => format!("not {}", expr(x)),
        ExprKind::Unary(x) => format!("-{}", expr(x)),
        ExprKind::Lambda(l) => {
            let asy = if l.is_async { "async " } else { "" };
            format!("{asy}lambda({}) {}", params(&l.params), inline(&l.body))
        }
        ExprKind::Await(x) => format!("await {}", expr(x)),
        ExprKind::Try(x) => format!("{}?", expr(x)),
        ExprKind::Spread(x, double) => {
            format!("{}{}", if *double { "**" } else { "*" }, expr(x))
        }
        ExprKind::Comprehension(c) => {
            let mut s = expr(&c.element);
            for g in &c.generators {
                let _ = write!(s, " for {} in {}", expr(&g.target), expr(&g.iter));
                for cond in &g.conds {
                    let _ = write!(s, " if {}", expr(cond));
                }
            }
            match c.kind {
                ContainerKind::List => format!("[{s}]"),
                ContainerKind::Set | ContainerKind::Dict => format!("{{{s}}}"),
                _ => format!("({s})"),
            }
        }
        ExprKind::Block(b) => inline(b),
        ExprKind::Let(l) => format!("let {} = {}", expr(&l.pattern), expr(&l.value)),
        ExprKind::Opaque(parts) => format!("opaque({})", list(parts)),
        ExprKind::Unknown => "?".to_owned(),
    }
}
