//! Regression rules of the taint matcher (`regression = true`): a check that stopped a flow in the base version
//! was removed by the diff, or the validator it called was made to return `True`, and the flow reaches its sink
//! now. The sink line itself is usually unchanged, which is why the ordinary rules (added lines only) miss it.
//!
//! Both versions of the functions around the removed lines are walked with the same tables; a sink hit of the
//! new version with no hit at the same sink (callee and expression) in the base version is the finding, with the
//! removed line as evidence. Rejected alternative: matching removed lines against guard names alone, which
//! cannot tell a removed check from one that moved, or from a check whose flow never reached a sink.

use std::collections::HashSet;

use secreview_model::{Evidence, LineSet, Location};
use secreview_rules::CompiledRule;
use secreview_syntax::{Lang, ParsedFile, walk};
use tree_sitter::Node;

use super::{Callee, Core, Mask, SinkHit, Tables, python, reports_source, rust, squash, to_hit};
use crate::emit::Hit;
use crate::file::FileCtx;

/// A function of one version: name, first and last line (1-based), first line of its body.
struct Func {
    name: String,
    start: u32,
    end: u32,
    body_line: u32,
    /// The body is a lone `return True`.
    returns_true: bool,
}

fn functions(parsed: &ParsedFile) -> Vec<Func> {
    let kind = match parsed.lang {
        Lang::Python => "function_definition",
        Lang::Rust => "function_item",
    };
    let mut out = Vec::new();
    walk(parsed.tree.root_node(), &mut |n: Node<'_>| {
        if n.kind() == kind
            && let Some(name) = n.child_by_field_name("name")
        {
            let body = n.child_by_field_name("body");
            let text = |x: Node<'_>| &parsed.text[x.byte_range()];
            let returns_true = body.is_some_and(|b| {
                b.named_child_count() == 1
                    && matches!(squash(text(b)).as_str(), "returnTrue" | "{true}")
            });
            out.push(Func {
                name: text(name).to_owned(),
                start: n.start_position().row as u32 + 1,
                end: n.end_position().row as u32 + 1,
                body_line: body.map_or(0, |b| b.start_position().row as u32 + 1),
                returns_true,
            });
        }
        true
    });
    out
}

/// The base line that held a check: the first removed line of `f` that reads like one, else its first removed
/// line.
fn removed_check(f: &Func, removed: &LineSet, old_lines: &[&str]) -> Option<u32> {
    let lines: Vec<u32> = (f.start..=f.end).filter(|&l| removed.contains(l)).collect();
    let text = |l: u32| old_lines.get(l as usize - 1).map_or("", |t| t.trim());
    lines
        .iter()
        .copied()
        .find(|&l| {
            let t = text(l);
            ["if ", "elif ", "assert", "raise", "abort", "return", "?"]
                .iter()
                .any(|k| t.starts_with(k) || t.contains(&format!(" {k}")))
        })
        .or_else(|| lines.first().copied())
}

fn is_guard_name(t: &Tables, name: &str) -> bool {
    let c = Callee {
        raw: name.to_owned(),
        full: name.to_owned(),
        typed: None,
        bare: true,
        last: name.to_owned(),
    };
    t.guards.any(&c)
}

fn analyse(core: &mut Core<'_>, lines: &LineSet) {
    match core.parsed.lang {
        // Both versions are walked alone: a regression is what this file's change did.
        Lang::Python => python::analyse(core, lines, None),
        Lang::Rust => rust::analyse(core, lines, None),
    }
}

/// What was removed from the base version: (name of a function of the new version, base line of the check).
struct Removal {
    func: String,
    line: u32,
    note: String,
}

pub(super) fn run(
    tables: &Tables,
    rules: &[(usize, &CompiledRule, Mask)],
    ctx: &FileCtx<'_>,
    (parsed, injected): (&ParsedFile, &[String]),
    hits: &mut Vec<(usize, Hit)>,
) {
    let file = ctx.file;
    let Some(old) = file.old_text.as_ref() else {
        return;
    };
    if file.removed.is_empty() {
        return;
    }
    let Ok(old_parsed) = secreview_syntax::parse(parsed.lang, old.clone()) else {
        return;
    };
    let old_lines: Vec<&str> = old.lines().collect();
    let (old_funcs, new_funcs) = (functions(&old_parsed), functions(parsed));
    let mut removals: Vec<Removal> = Vec::new();
    for f in &old_funcs {
        if let Some(line) = removed_check(f, &file.removed, &old_lines) {
            let text = old_lines.get(line as usize - 1).map_or("", |t| t.trim());
            removals.push(Removal {
                func: f.name.clone(),
                line,
                note: format!(
                    "check removed here (base line {line}): `{}`",
                    super::excerpt(text, 80)
                ),
            });
        }
    }
    // Validators of the guard tables made to return `True`: every function calling one lost its check.
    let mut void: Vec<String> = Vec::new();
    for f in new_funcs
        .iter()
        .filter(|f| f.returns_true && is_guard_name(tables, &f.name))
    {
        let Some(before) = old_funcs
            .iter()
            .find(|o| o.name == f.name && !o.returns_true)
        else {
            continue;
        };
        void.push(f.name.clone());
        let call = format!("{}(", f.name);
        for caller in &new_funcs {
            let text = parsed.text.lines().skip(caller.start as usize - 1);
            let calls = text
                .take((caller.end - caller.start + 1) as usize)
                .any(|l| l.contains(&call));
            if caller.name != f.name && calls {
                let line = before.body_line;
                let body = old_lines.get(line as usize - 1).map_or("", |t| t.trim());
                removals.push(Removal {
                    func: caller.name.clone(),
                    line,
                    note: format!(
                        "`{}` checked something at base line {line} (`{}`); it now returns True",
                        f.name,
                        super::excerpt(body, 60)
                    ),
                });
            }
        }
    }
    if removals.is_empty() {
        return;
    }
    let names: HashSet<&str> = removals.iter().map(|r| r.func.as_str()).collect();
    let span_of = |funcs: &[Func]| {
        let mut s = LineSet::new();
        for f in funcs.iter().filter(|f| names.contains(f.name.as_str())) {
            s.insert_range(f.start, f.end);
        }
        s
    };
    let active = rules.iter().fold(0, |a, r| a | r.2);
    let walk_version = |p: &ParsedFile, lines: &LineSet, void: &[String]| -> Vec<SinkHit> {
        let mut core = Core {
            t: tables,
            parsed: p,
            injected,
            active,
            hits: Vec::new(),
            off: Vec::new(),
            void_guards: void,
            project: None,
            path: None,
            param_sinks: Vec::new(),
        };
        analyse(&mut core, lines);
        core.hits
    };
    let now = walk_version(parsed, &span_of(&new_funcs), &void);
    if now.is_empty() {
        return;
    }
    let before = walk_version(&old_parsed, &span_of(&old_funcs), &[]);
    let old_path = file.old_path.as_deref().unwrap_or(&file.path);
    for h in &now {
        if before
            .iter()
            .any(|b| b.class == h.class && b.callee == h.callee && b.what == h.what)
        {
            continue;
        }
        // The innermost function of the new version around the sink, and what its base version lost.
        let Some(func) = new_funcs
            .iter()
            .filter(|f| f.start <= h.start.0 && h.start.0 <= f.end)
            .min_by_key(|f| f.end - f.start)
        else {
            continue;
        };
        let Some(removal) = removals.iter().find(|r| r.func == func.name) else {
            continue;
        };
        let bit = 1 << h.class;
        for (ri, rule, m) in rules {
            if m & bit == 0 || !reports_source(rule, h) {
                continue;
            }
            let mut hit = to_hit(h, rule.meta.confidence, &file.path);
            hit.detail = format!(
                "{}; the check at base line {} was removed by this change",
                hit.detail, removal.line
            );
            hit.regression = true;
            hit.evidence.push(Evidence {
                location: Location {
                    path: old_path.to_owned(),
                    start_line: removal.line,
                    start_col: 1,
                    end_line: removal.line,
                    end_col: 1,
                },
                note: removal.note.clone(),
            });
            hits.push((*ri, hit));
        }
    }
}
