//! Python shapes the walker reads by what they mean rather than how they are spelled: composition objects that
//! quote what they are given (`sql.SQL(…).format(sql.Identifier(x))`), module-level lookup tables and
//! enumerations as allow-lists, the argv words `shlex.split` makes of a formatted command line, containment
//! checks through `os.path.commonpath`, and checks that hold where they are false (`if ref.startswith("-")`).
//! Kept apart from the walker so that the walker's own flow rules stay in one place.

use std::collections::{HashMap, HashSet};

use secreview_syntax::named_children;
use tree_sitter::Node;

use super::Py;
use crate::taint::{Arg, Callee, Const, GuardOperand, Mask, Taint, Val, squash};

/// What the module defines that the shapes below rely on.
#[derive(Debug, Default)]
pub(super) struct Facts {
    /// Module-level names bound exactly once to a dict, set, list or tuple literal: module code runs at import,
    /// before any request, so what such a table holds is the author's.
    tables: HashSet<String>,
    /// Classes of this module that derive from an `enum_bases` class.
    pub(super) enums: HashSet<String>,
}

/// One part of a command line as written: constant text or an interpolated value.
enum Piece {
    Text(String),
    Value(Taint),
}

/// A word being assembled from pieces, as a POSIX shell lexer would split them.
#[derive(Default)]
struct Word {
    text: String,
    taint: Taint,
    /// A value came before any constant character of the word: the word can start with the value's text.
    starts_with_value: bool,
    started: bool,
}

impl<'a: 't, 't> Py<'_, 'a, 't> {
    pub(super) fn index_shapes(&mut self, root: Node<'t>) {
        let mut assigned: HashMap<String, usize> = HashMap::new();
        let mut tables = HashSet::new();
        for child in named_children(root) {
            let class = match child.kind() {
                "class_definition" => Some(child),
                "decorated_definition" => child
                    .child_by_field_name("definition")
                    .filter(|d| d.kind() == "class_definition"),
                _ => None,
            };
            if let Some(c) = class {
                self.index_enum(c);
                continue;
            }
            if child.kind() != "expression_statement" {
                continue;
            }
            let Some(a) = child.named_child(0).filter(|a| a.kind() == "assignment") else {
                continue;
            };
            let (Some(l), Some(r)) = (
                a.child_by_field_name("left"),
                a.child_by_field_name("right"),
            ) else {
                continue;
            };
            if l.kind() != "identifier" {
                continue;
            }
            let name = self.text(l).to_owned();
            *assigned.entry(name.clone()).or_default() += 1;
            if matches!(r.kind(), "dictionary" | "set" | "list" | "tuple") {
                tables.insert(name);
            }
        }
        tables.retain(|n| assigned.get(n) == Some(&1));
        self.shapes.tables = tables;
    }

    fn index_enum(&mut self, class: Node<'t>) {
        let (Some(name), Some(bases)) = (
            class.child_by_field_name("name"),
            class.child_by_field_name("superclasses"),
        ) else {
            return;
        };
        let is_enum = named_children(bases).any(|b| {
            let base = self.dotted(b).map(|d| self.resolve(&d));
            base.is_some_and(|b| {
                self.core
                    .t
                    .enum_bases
                    .iter()
                    .any(|e| *e == b || b.rsplit('.').next() == Some(e.as_str()))
            })
        });
        if is_enum {
            self.shapes.enums.insert(self.text(name).to_owned());
        }
    }

    /// A module-level name the environment does not hold: a lookup table is a container of clean values.
    pub(super) fn module_value(&self, name: &str) -> Val {
        if self.shapes.tables.contains(name) {
            return Val {
                fields: Some(Box::default()),
                ..Val::default()
            };
        }
        Val::default()
    }

    /// Calls whose result the shapes decide: argument-only sanitizers, enumeration lookups and word splitters.
    pub(super) fn shape_call(
        &mut self,
        n: Node<'t>,
        callee: &Callee,
        recv: Option<&Val>,
        args: &[Arg<'t>],
        input: &Taint,
    ) -> Option<Val> {
        let t = self.core.t;
        let mask = t.arg_sanitizers.find(callee).fold(0, |a, m| a | m);
        if mask != 0 {
            let mut taint = recv.map(|r| r.taint.clone()).unwrap_or_default();
            for a in args {
                taint.join(&a.val.taint.clone().sanitized(mask, t.all));
            }
            return Some(Val::tainted(taint));
        }
        if let Some(out) = t.origin_sanitize(callee, input.clone()) {
            return Some(Val::tainted(out));
        }
        // `SortField(value)`: a member of the enumeration, or `ValueError`.
        if callee.bare && self.shapes.enums.contains(&callee.raw) {
            return Some(Val::default());
        }
        if t.word_splitters.any(callee) {
            let line = args.iter().find(|a| a.name.is_none())?;
            let pieces = self.pieces(line.node)?;
            let _ = n;
            return Some(Val::argv(self.words(pieces), t));
        }
        None
    }

    /// The constant texts and interpolated values of a formatted string (an f-string, or implicitly
    /// concatenated ones), in order; `None` for anything else.
    fn pieces(&mut self, n: Node<'t>) -> Option<Vec<Piece>> {
        let strings: Vec<Node<'t>> = match n.kind() {
            "string" => vec![n],
            "concatenated_string" => named_children(n).filter(|c| c.kind() == "string").collect(),
            _ => return None,
        };
        let mut out = Vec::new();
        for s in strings {
            for c in named_children(s) {
                match c.kind() {
                    "string_content" | "escape_sequence" => {
                        out.push(Piece::Text(self.text(c).to_owned()));
                    }
                    "interpolation" => {
                        let e = c
                            .child_by_field_name("expression")
                            .or_else(|| c.named_child(0))?;
                        let v = self.eval(e);
                        out.push(Piece::Value(v.taint));
                    }
                    _ => {}
                }
            }
        }
        Some(out)
    }

    /// Splits pieces into argv words the way `shlex.split` does (whitespace outside quotes). A value not quoted
    /// for the shell may hold spaces and so start words of its own; a quoted one starts a word only where the
    /// word starts with it.
    fn words(&self, pieces: Vec<Piece>) -> Vec<(Taint, Option<Const>)> {
        let t = self.core.t;
        let command = t.class_bit("command").unwrap_or(0);
        let mut out = Vec::new();
        let mut cur = Word::default();
        let mut quote: Option<char> = None;
        let finish = |w: Word, out: &mut Vec<(Taint, Option<Const>)>| {
            if !w.started {
                return;
            }
            let mut taint = w.taint;
            if !w.starts_with_value {
                taint.sanitize_where(t.argument_mask, t.all, |l| l.sanitized & command != 0);
            }
            let konst = taint.is_clean().then_some(Const::Str(w.text));
            out.push((taint, konst));
        };
        for p in pieces {
            match p {
                Piece::Text(s) => {
                    for ch in s.chars() {
                        match (quote, ch) {
                            (None, '\'' | '"') => {
                                quote = Some(ch);
                                cur.started = true;
                            }
                            (Some(q), c) if c == q => quote = None,
                            (None, c) if c.is_whitespace() => {
                                finish(std::mem::take(&mut cur), &mut out);
                            }
                            (_, c) => {
                                cur.text.push(c);
                                cur.started = true;
                            }
                        }
                    }
                }
                Piece::Value(v) => {
                    if cur.text.is_empty() {
                        cur.starts_with_value = true;
                    }
                    cur.started = true;
                    cur.taint.join(&v);
                }
            }
        }
        finish(cur, &mut out);
        out
    }

    /// `os.path.commonpath([base, p]) == base`: where it holds, `p` is inside `base` (a guard `arg0` whose
    /// argument is the list of paths, compared with one of them).
    pub(super) fn containment_facts(
        &mut self,
        l: Node<'t>,
        r: Node<'t>,
        op: &str,
        positive: bool,
        out: &mut Vec<(String, Mask)>,
    ) -> bool {
        for (call, other) in [(l, r), (r, l)] {
            if call.kind() != "call" {
                continue;
            }
            let Some(f) = call.child_by_field_name("function") else {
                continue;
            };
            let callee = self.callee_of(f, None);
            let mask = self
                .core
                .t
                .guards
                .find(&callee)
                .filter(|(op, _)| *op == GuardOperand::Arg(0))
                .fold(0, |a, (_, m)| a | m);
            let Some(list) = call
                .child_by_field_name("arguments")
                .and_then(|a| named_children(a).next())
                .filter(|a| matches!(a.kind(), "list" | "tuple"))
            else {
                continue;
            };
            if mask == 0 {
                continue;
            }
            let holds = match op {
                "==" => positive,
                "!=" => !positive,
                _ => return true,
            };
            let other_text = self.text(other);
            let paths: Vec<Node<'t>> = named_children(list).collect();
            if holds && paths.iter().any(|p| self.text(*p) == other_text) {
                for p in paths.into_iter().filter(|p| self.text(*p) != other_text) {
                    if let Some(path) = self.guard_path(p) {
                        out.push((path, mask));
                    }
                }
            }
            return true;
        }
        false
    }

    /// A guard from the `false_with` sanitizers: `if ref.startswith("-"): abort()` makes `ref` safe after it.
    pub(super) fn false_guard_facts(&mut self, cond: Node<'t>, out: &mut Vec<(String, Mask)>) {
        let Some(f) = cond.child_by_field_name("function") else {
            return;
        };
        let callee = self.callee_of(f, None);
        let specs: Vec<(GuardOperand, Mask, Vec<String>)> =
            self.core.t.false_guards.find(&callee).cloned().collect();
        if specs.is_empty() {
            return;
        }
        let positional: Vec<Node<'t>> = cond
            .child_by_field_name("arguments")
            .map(|a| {
                named_children(a)
                    .filter(|c| c.kind() != "keyword_argument")
                    .collect()
            })
            .unwrap_or_default();
        let first = positional.first().and_then(|a| self.literal(*a));
        for (operand, mask, texts) in specs {
            if !matches!(&first, Some(Const::Str(s)) if texts.contains(s)) {
                continue;
            }
            let node = match operand {
                GuardOperand::Receiver => (f.kind() == "attribute")
                    .then(|| f.child_by_field_name("object"))
                    .flatten(),
                GuardOperand::Arg(i) => positional.get(i).copied(),
            };
            if let Some(p) = node.and_then(|n| self.guard_path(n)) {
                out.push((p, mask));
            }
        }
    }
}

/// Deepest `and` / `or` / `not` nesting [`Py::conjunction_atoms`] looks into.
const MAX_ATOM_DEPTH: usize = 16;

impl<'a: 't, 't> Py<'_, 'a, 't> {
    /// `if not s.startswith("'") or not s.endswith("'") or "'" in s[1:-1]: return`: past it `s` is one quoted
    /// literal with no quote inside, which cannot leave the literal it is (`eval(s)` yields a string), so it is
    /// safe for the classes of the quote's `absent` sanitizer.
    pub(super) fn quoted_literal_facts(
        &self,
        cond: Node<'t>,
        positive: bool,
        out: &mut Vec<(String, Mask)>,
    ) {
        let mut atoms = Vec::new();
        self.conjunction_atoms(cond, positive, &mut atoms, 0);
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        let mut inner = Vec::new();
        for (n, holds) in atoms {
            if let Some((which, path, q)) = self.affix_check(n)
                && holds
            {
                if which == "startswith" {
                    starts.push((path, q));
                } else {
                    ends.push((path, q));
                }
            } else if let Some((negated, path, q)) = self.inner_quote_check(n)
                && holds == negated
            {
                inner.push((path, q));
            }
        }
        for s in &starts {
            if ends.contains(s) && inner.contains(s) {
                let m = self.core.t.absent_mask(&s.1);
                if m != 0 {
                    out.push((s.0.clone(), m));
                }
            }
        }
    }

    /// The checks that all hold where `cond` is `positive`, with the polarity each must have.
    fn conjunction_atoms(
        &self,
        n: Node<'t>,
        positive: bool,
        atoms: &mut Vec<(Node<'t>, bool)>,
        depth: usize,
    ) {
        if depth > MAX_ATOM_DEPTH {
            return;
        }
        match n.kind() {
            "parenthesized_expression" => {
                if let Some(c) = n.named_child(0) {
                    self.conjunction_atoms(c, positive, atoms, depth + 1);
                }
            }
            "not_operator" => {
                if let Some(c) = n.child_by_field_name("argument") {
                    self.conjunction_atoms(c, !positive, atoms, depth + 1);
                }
            }
            "boolean_operator" => {
                let op = n
                    .child_by_field_name("operator")
                    .map_or("", |o| self.text(o));
                if (op == "and" && positive) || (op == "or" && !positive) {
                    for side in ["left", "right"] {
                        if let Some(c) = n.child_by_field_name(side) {
                            self.conjunction_atoms(c, positive, atoms, depth + 1);
                        }
                    }
                }
            }
            _ => atoms.push((n, positive)),
        }
    }

    /// `s.startswith("'")` / `s.endswith("'")` with a one-character quote → (method, `s`, quote).
    fn affix_check(&self, n: Node<'t>) -> Option<(&'static str, String, String)> {
        if n.kind() != "call" {
            return None;
        }
        let f = n.child_by_field_name("function")?;
        if f.kind() != "attribute" {
            return None;
        }
        let which = match self.text(f.child_by_field_name("attribute")?) {
            "startswith" => "startswith",
            "endswith" => "endswith",
            _ => return None,
        };
        let arg = named_children(n.child_by_field_name("arguments")?).next()?;
        let Some(Const::Str(q)) = self.literal(arg) else {
            return None;
        };
        if !matches!(q.as_str(), "'" | "\"") {
            return None;
        }
        Some((which, self.guard_path(f.child_by_field_name("object")?)?, q))
    }

    /// `"'" in s[1:-1]` → (false, `s`, quote); `"'" not in s[1:-1]` → (true, …).
    fn inner_quote_check(&self, n: Node<'t>) -> Option<(bool, String, String)> {
        if n.kind() != "comparison_operator" {
            return None;
        }
        let parts: Vec<Node<'t>> = named_children(n).collect();
        let op = n.child_by_field_name("operators")?;
        let negated = match squash(self.text(op)).as_str() {
            "in" => false,
            "notin" => true,
            _ => return None,
        };
        let (&[l, r], Some(Const::Str(q))) = (
            parts.as_slice(),
            parts.first().and_then(|l| self.literal(*l)),
        ) else {
            return None;
        };
        let _ = l;
        if r.kind() != "subscript" {
            return None;
        }
        let slice = r.child_by_field_name("subscript")?;
        if squash(self.text(slice)) != "1:-1" {
            return None;
        }
        Some((
            negated,
            self.guard_path(r.child_by_field_name("value")?)?,
            q,
        ))
    }
}

impl<'a: 't, 't> Py<'_, 'a, 't> {
    /// `session[key] = value` with a `store_key` sink: the attacker choosing the key sets an entry of their
    /// choice (`session[request.form["k"]] = "12345"` can overwrite `user_id`).
    pub(super) fn check_store_key(&mut self, stmt: Node<'t>, target: &Callee, subscript: Node<'t>) {
        let Some(key) = subscript.child_by_field_name("subscript") else {
            return;
        };
        let taint = self.eval(key).taint;
        self.core.check_store_key(stmt, target, key, &taint);
    }
}

/// What a `match` on a constant subject selects.
pub(super) enum CaseChoice<'t> {
    /// This case runs (its consequence block).
    Case(Node<'t>),
    /// No case matches.
    None,
}

impl<'a: 't, 't> Py<'_, 'a, 't> {
    /// The case a `match` with a constant subject takes, when the cases before it are literal patterns
    /// (`case 'A':`, `case 'C' | 'D':`, `case _:`); `None` when that cannot be told (a capture, a class pattern, a
    /// guard), and the walker then walks every case.
    pub(super) fn constant_case(&self, n: Node<'t>) -> Option<CaseChoice<'t>> {
        let subject = self.konst(n.child_by_field_name("subject")?)?;
        let body = n.child_by_field_name("body")?;
        for case in named_children(body).filter(|c| c.kind() == "case_clause") {
            if case.child_by_field_name("guard").is_some() {
                return None;
            }
            let patterns: Vec<Node<'t>> = named_children(case)
                .filter(|c| c.kind() == "case_pattern")
                .collect();
            let [pattern] = patterns.as_slice() else {
                return None;
            };
            let alternatives: Vec<Node<'t>> = match pattern.named_child(0) {
                None => return Some(CaseChoice::Case(case)),
                Some(u) if u.kind() == "union_pattern" => named_children(u)
                    .map(|p| {
                        if p.kind() == "case_pattern" {
                            p.named_child(0).unwrap_or(p)
                        } else {
                            p
                        }
                    })
                    .collect(),
                Some(p) => vec![p],
            };
            for alt in alternatives {
                if self.text(alt).trim() == "_" {
                    return Some(CaseChoice::Case(case));
                }
                let k = self.literal(alt)?;
                if k == subject {
                    return Some(CaseChoice::Case(case));
                }
            }
        }
        Some(CaseChoice::None)
    }
}
