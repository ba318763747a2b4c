//! Lowering cost against tree-sitter parsing on a real tree (run on a release build):
//! `cargo run --release -p secreview-syntax --example lower_tree -- DIR [--unknown]`.
//!
//! Reads every `.py` and `.rs` file under DIR, then times, per file, the parse alone and the lowering of the
//! parsed tree, and prints the totals, the ratio, and the peak RSS. `--unknown` also counts the tree-sitter
//! node kinds that lowered to `Unknown` (what the lowering does not model yet); `--parse-only` skips the
//! lowering (the peak RSS without it).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use secreview_syntax::ir::{self, Expr, ExprKind, Stmt, StmtKind};
use secreview_syntax::{Lang, detect, parse};

fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "py" || x == "rs") {
            out.push(p);
        }
    }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Counts the node kinds behind `Unknown` expressions (by the smallest node at the expression's span).
fn tally(
    file: &secreview_syntax::ParsedFile,
    body: &[Stmt<'_>],
    counts: &mut BTreeMap<String, usize>,
) {
    let mut stack: Vec<&Stmt<'_>> = body.iter().collect();
    let mut exprs: Vec<&Expr<'_>> = Vec::new();
    while let Some(s) = stack.pop() {
        match &s.kind {
            StmtKind::Expr(e)
            | StmtKind::Value(e)
            | StmtKind::Return(Some(e))
            | StmtKind::Raise(Some(e)) => exprs.push(e),
            StmtKind::Assign(a) => {
                exprs.extend(a.value.iter());
                exprs.extend(a.targets.iter());
            }
            StmtKind::If(i) => {
                exprs.push(&i.cond);
                stack.extend(i.then.iter().chain(i.else_.iter()));
            }
            StmtKind::Loop(l) => stack.extend(l.body.iter()),
            StmtKind::Try(t) => stack.extend(
                t.body
                    .iter()
                    .chain(t.handlers.iter().flat_map(|h| h.body.iter())),
            ),
            StmtKind::With(w) => stack.extend(w.body.iter()),
            StmtKind::Match(m) => stack.extend(m.arms.iter().flat_map(|a| a.body.iter())),
            StmtKind::FunctionDef(f) => stack.extend(f.body.iter()),
            StmtKind::ClassDef(c) => {
                stack.extend(c.body.iter());
                stack.extend(c.methods.iter().flat_map(|m| m.body.iter()));
            }
            StmtKind::Mod(m) => stack.extend(m.body.iter().flatten()),
            _ => {}
        }
    }
    while let Some(e) = exprs.pop() {
        match &e.kind {
            ExprKind::Unknown => {
                let node = file
                    .tree
                    .root_node()
                    .descendant_for_byte_range(e.span.start as usize, e.span.end as usize);
                let kind = node.map_or("?", |n| n.kind());
                *counts.entry(kind.to_owned()).or_default() += 1;
            }
            ExprKind::Call(c) => {
                exprs.push(&c.callee);
                exprs.extend(c.args.iter());
                exprs.extend(c.kwargs.iter().map(|k| &k.value));
            }
            ExprKind::Attr(a) => exprs.push(&a.base),
            ExprKind::Index(i) => {
                exprs.push(&i.base);
                exprs.push(&i.index);
            }
            ExprKind::Container(c) => exprs.extend(c.items.iter()),
            ExprKind::StrBuild(b) => exprs.extend(b.parts.iter()),
            ExprKind::BoolOp(b) => exprs.extend(b.values.iter()),
            ExprKind::BinOp(b) => {
                exprs.push(&b.left);
                exprs.push(&b.right);
            }
            ExprKind::Compare(c) => {
                exprs.push(&c.left);
                exprs.extend(c.ops.iter().map(|(_, e)| e));
            }
            ExprKind::Not(x)
            | ExprKind::Unary(x)
            | ExprKind::Await(x)
            | ExprKind::Try(x)
            | ExprKind::Spread(x, _) => exprs.push(x),
            ExprKind::Block(b) => stack_exprs(b, &mut exprs),
            ExprKind::Lambda(l) => stack_exprs(&l.body, &mut exprs),
            _ => {}
        }
    }
}

fn stack_exprs<'e>(body: &'e [Stmt<'e>], exprs: &mut Vec<&'e Expr<'e>>) {
    for s in body {
        if let StmtKind::Expr(e) | StmtKind::Value(e) | StmtKind::Return(Some(e)) = &s.kind {
            exprs.push(e);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: lower_tree DIR [--unknown]");
        std::process::exit(2);
    };
    let unknown = args.iter().any(|a| a == "--unknown");
    // `--parse-only`: the same run without lowering, for the RSS the lowering adds.
    let parse_only = args.iter().any(|a| a == "--parse-only");
    let mut paths = Vec::new();
    files(std::path::Path::new(dir), &mut paths);
    paths.sort();
    let texts: Vec<(Lang, String)> = paths
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            Some((detect(&p.to_string_lossy(), &text)?, text))
        })
        .collect();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let base_rss = peak_rss_mb();
    let (mut parse_t, mut lower_t) = (Duration::ZERO, Duration::ZERO);
    let (mut nodes, mut capped, mut failed) = (0usize, 0usize, 0usize);
    let mut counts = BTreeMap::new();
    for (lang, text) in texts {
        let t0 = Instant::now();
        let Ok(file) = parse(lang, text) else {
            failed += 1;
            continue;
        };
        let t1 = Instant::now();
        if parse_only {
            parse_t += t1 - t0;
            continue;
        }
        let module = ir::lower(&file);
        let t2 = Instant::now();
        parse_t += t1 - t0;
        lower_t += t2 - t1;
        nodes += module.body.len();
        capped += usize::from(module.depth_capped);
        if unknown {
            tally(&file, &module.body, &mut counts);
        }
    }
    println!(
        "{} files, {:.1} MB: parse {:.0} ms, lower {:.0} ms ({:.0}% of parse), peak RSS {:.0} MB (after reading {:.0} MB); {} capped, {} refused, {} top-level statements",
        paths.len(),
        bytes as f64 / 1e6,
        parse_t.as_secs_f64() * 1e3,
        lower_t.as_secs_f64() * 1e3,
        100.0 * lower_t.as_secs_f64() / parse_t.as_secs_f64().max(1e-9),
        peak_rss_mb(),
        base_rss,
        capped,
        failed,
        nodes
    );
    if unknown {
        let mut v: Vec<_> = counts.into_iter().collect();
        v.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        for (k, n) in v.into_iter().take(30) {
            println!("  unknown {k}: {n}");
        }
    }
}
