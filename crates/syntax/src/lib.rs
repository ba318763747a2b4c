//! # secreview-syntax
//!
//! The only crate that names tree-sitter grammars. It detects a file's [`Lang`] (by extension, and by a `#!`
//! shebang for Python scripts), parses it with a per-thread parser cache ([`parse`]), and offers the small node
//! helpers the analyses share ([`ParsedFile::text`], [`ParsedFile::line_of`]).
//!
//! It also lowers each tree once into the language-neutral [`ir`] (imports, classes, functions, statements,
//! expressions, every node with a span), so the analyses above are written once for every language: a new
//! language is a grammar plus a lowering (`ir/<lang>.rs`), nothing above this crate names its node kinds.
//! Lowering is depth-bounded ([`ir::MAX_DEPTH`]): hostile nesting degrades to `Unknown`, never to a stack
//! overflow.
//!
//! It must not know about rules or findings. Trees with syntax errors are returned, not rejected: half-written
//! code on a branch is exactly what gets reviewed, and tree-sitter recovers well enough to analyse the rest.
//!
//! Two inputs are handled before tree-sitter sees them. A lone `\r` line break (old Mac files) becomes `\n` in
//! the parsed copy, so the tree's rows are the lines every other crate counts. And a Python file indented more
//! than [`MAX_PYTHON_INDENT`] levels is refused with [`ParseError::TooDeep`]: tree-sitter-python's external
//! scanner overflows its 1 KiB state buffer and aborts the whole process past about 380–510 levels, so one
//! hostile file could take down a scan. Refusing is cheap (one pass over line starts) and loses nothing real:
//! Python itself stops at 100 levels ("too many levels of indentation").

pub mod ir;

use std::cell::RefCell;

use secreview_model::lines::{line_starts, lone_cr_to_lf_str, split_lines, strip_line_break};
use tree_sitter::{Language, Node, Parser, Tree};

/// Deepest Python indentation parsed: the interpreter's own limit (`MAXINDENT` in its tokenizer).
pub const MAX_PYTHON_INDENT: usize = 100;

/// Why a file was not parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// More indentation levels than [`MAX_PYTHON_INDENT`].
    TooDeep { limit: usize },
    /// tree-sitter returned no tree (it does so only on timeout or cancellation, which are not used).
    GaveUp,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::TooDeep { limit } => write!(
                f,
                "indented more than {limit} levels, which Python itself rejects"
            ),
            ParseError::GaveUp => f.write_str("the parser gave up on it"),
        }
    }
}

impl std::error::Error for ParseError {}

/// A language secreview parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    Python,
    Rust,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Python, Lang::Rust];

    pub fn name(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Rust => "rust",
        }
    }

    pub fn from_name(name: &str) -> Option<Lang> {
        match name {
            "python" => Some(Lang::Python),
            "rust" => Some(Lang::Rust),
            _ => None,
        }
    }

    pub fn grammar(self) -> Language {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The language of a file from its path, falling back to a `#!…python` first line.
pub fn detect(path: &str, text: &str) -> Option<Lang> {
    let ext = path.rsplit_once('.').map(|(_, e)| e);
    match ext {
        Some("py" | "pyw" | "pyi") => Some(Lang::Python),
        Some("rs") => Some(Lang::Rust),
        _ if !path.rsplit('/').next().unwrap_or(path).contains('.') => {
            let first = split_lines(text).next().unwrap_or("");
            (first.starts_with("#!") && first.contains("python")).then_some(Lang::Python)
        }
        _ => None,
    }
}

thread_local! {
    // `Parser` is not `Sync`: one per rayon worker, created on first use and reused for every file after.
    static PARSERS: RefCell<[Option<Parser>; 2]> = const { RefCell::new([None, None]) };
}

/// A parsed source file with a line index for byte-offset → line/column conversions.
pub struct ParsedFile {
    pub lang: Lang,
    pub text: String,
    pub tree: Tree,
    line_starts: Vec<usize>,
}

/// Parses `text` as `lang` (see the crate docs for the two inputs refused or rewritten first).
pub fn parse(lang: Lang, text: String) -> Result<ParsedFile, ParseError> {
    if lang == Lang::Python {
        check_python_indent(&text)?;
    }
    let text = match lone_cr_to_lf_str(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(t) => t,
    };
    let tree = PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[lang.index()];
        if slot.is_none() {
            let mut p = Parser::new();
            // Cannot fail: the grammar crates are built against the linked tree-sitter ABI.
            p.set_language(&lang.grammar()).ok()?;
            *slot = Some(p);
        }
        slot.as_mut()?.parse(&text, None)
    });
    let tree = tree.ok_or(ParseError::GaveUp)?;
    let line_starts = line_starts(&text);
    Ok(ParsedFile {
        lang,
        text,
        tree,
        line_starts,
    })
}

/// Refuses Python nested more than [`MAX_PYTHON_INDENT`] levels, counting the way tree-sitter-python's scanner
/// keeps its indent stack (a space is one column, a tab eight, a form feed resets). Lines inside brackets or
/// strings are counted too: that can only over-count, and a hundred ever-deeper continuation lines do not occur
/// in real code.
fn check_python_indent(text: &str) -> Result<(), ParseError> {
    let mut stack: Vec<usize> = vec![0];
    for line in split_lines(text) {
        let mut col = 0usize;
        let mut rest = "";
        for (i, c) in line.char_indices() {
            match c {
                ' ' => col += 1,
                '\t' => col += 8,
                '\x0c' => col = 0,
                _ => {
                    rest = &line[i..];
                    break;
                }
            }
        }
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        while stack.last().is_some_and(|&top| col < top) {
            stack.pop();
        }
        if stack.last().is_none_or(|&top| col > top) {
            stack.push(col);
            if stack.len() > MAX_PYTHON_INDENT + 1 {
                return Err(ParseError::TooDeep {
                    limit: MAX_PYTHON_INDENT,
                });
            }
        }
    }
    Ok(())
}

impl ParsedFile {
    /// The source text of a node.
    pub fn text(&self, node: Node<'_>) -> &str {
        &self.text[node.byte_range()]
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, byte: usize) -> u32 {
        let idx = self.line_starts.partition_point(|&s| s <= byte);
        u32::try_from(idx.max(1)).unwrap_or(u32::MAX)
    }

    /// 1-based (line, column) of a byte offset; the column counts characters.
    pub fn line_col(&self, byte: usize) -> (u32, u32) {
        let line = self.line_of(byte);
        let start = self.line_starts[line as usize - 1];
        let col = self.text.get(start..byte).map_or(0, |s| s.chars().count());
        (line, u32::try_from(col + 1).unwrap_or(u32::MAX))
    }

    /// The 1-based (start line, end line) of a node.
    pub fn lines(&self, node: Node<'_>) -> (u32, u32) {
        (
            node.start_position().row as u32 + 1,
            node.end_position().row as u32 + 1,
        )
    }

    /// The text of a 1-based line without its line ending.
    pub fn line_text(&self, line: u32) -> &str {
        line_text(&self.text, &self.line_starts, line)
    }

    pub fn line_count(&self) -> u32 {
        u32::try_from(self.line_starts.len()).unwrap_or(u32::MAX)
    }
}

fn line_text<'t>(text: &'t str, starts: &[usize], line: u32) -> &'t str {
    let Some(&start) = starts.get((line as usize).wrapping_sub(1)) else {
        return "";
    };
    let end = starts.get(line as usize).map_or(text.len(), |&e| e);
    strip_line_break(&text[start..end])
}

/// Iterates a node's named children.
pub fn named_children(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    (0..node.named_child_count()).filter_map(move |i| node.named_child(i as u32))
}

/// Depth-first pre-order walk of the subtree under `node`, calling `f` on every node; `f` returns false to skip
/// a node's children.
pub fn walk<'t>(node: Node<'t>, f: &mut impl FnMut(Node<'t>) -> bool) {
    let mut cursor = node.walk();
    let mut descend = true;
    loop {
        if descend && f(cursor.node()) && cursor.goto_first_child() {
            continue;
        }
        descend = true;
        if cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() || cursor.node() == node {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
}

/// [`walk`], also passing each node's parent (`None` for `node` itself). `Node::parent` costs a walk down from
/// the root, so calling it for every node of a deep tree is quadratic; the walk knows the parent for free.
pub fn walk_with_parent<'t>(
    node: Node<'t>,
    f: &mut impl FnMut(Node<'t>, Option<Node<'t>>) -> bool,
) {
    let mut ancestors: Vec<Node<'t>> = Vec::new();
    let mut cursor = node.walk();
    let mut descend = true;
    loop {
        let n = cursor.node();
        if descend && f(n, ancestors.last().copied()) && cursor.goto_first_child() {
            ancestors.push(n);
            continue;
        }
        descend = true;
        if cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() || cursor.node() == node {
                return;
            }
            ancestors.pop();
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_languages_by_extension_and_shebang() {
        assert_eq!(detect("app/main.py", ""), Some(Lang::Python));
        assert_eq!(detect("src/lib.rs", ""), Some(Lang::Rust));
        assert_eq!(
            detect("bin/tool", "#!/usr/bin/env python3\n"),
            Some(Lang::Python)
        );
        assert_eq!(detect("bin/tool", "#!/bin/sh\n"), None);
        assert_eq!(detect("README.md", "#!python"), None);
    }

    #[test]
    fn broken_code_still_parses_into_a_tree() {
        let f = parse(Lang::Python, "def f(:\n    return eval(x)\n".into()).unwrap();
        assert!(f.tree.root_node().has_error());
        assert!(f.text.contains("eval"));
    }

    #[test]
    fn converts_offsets_to_lines_and_columns() {
        let f = parse(Lang::Python, "a = 1\r\nbé = 2\n".into()).unwrap();
        assert_eq!(f.line_col(0), (1, 1));
        let off = f.text.find('=').unwrap();
        assert_eq!(f.line_col(off), (1, 3));
        let off2 = f.text.rfind('=').unwrap();
        assert_eq!(f.line_col(off2), (2, 4));
        assert_eq!(f.line_text(2), "bé = 2");
        assert_eq!(f.line_text(1), "a = 1");
    }

    /// `if True:` nested `levels` deep around a string, one level per line.
    fn nested_ifs(levels: usize, indent: &str) -> String {
        let mut s = String::new();
        for i in 0..levels {
            s.push_str(&indent.repeat(i));
            s.push_str("if True:\n");
        }
        s.push_str(&indent.repeat(levels));
        s.push_str("x = 'text'\n");
        s
    }

    #[test]
    fn python_nested_past_the_scanner_limit_is_refused_not_aborted() {
        // 2,000 levels with a string abort tree-sitter-python's scanner (a 1 KiB state buffer) if parsed.
        for indent in [" ", "\t", "    "] {
            let err = parse(Lang::Python, nested_ifs(2_000, indent)).err();
            assert_eq!(
                err,
                Some(ParseError::TooDeep {
                    limit: MAX_PYTHON_INDENT
                })
            );
        }
        assert!(parse(Lang::Python, nested_ifs(MAX_PYTHON_INDENT - 1, " ")).is_ok());
        assert!(parse(Lang::Python, nested_ifs(MAX_PYTHON_INDENT + 1, " ")).is_err());
        // Deep indentation that comes and goes is fine; only the depth at one point counts.
        let sawtooth = nested_ifs(90, " ").repeat(20);
        assert!(parse(Lang::Python, sawtooth).is_ok());
    }

    #[test]
    fn rust_nesting_never_aborts_the_parser() {
        for depth in [1_000, 50_000] {
            let text = format!("fn f() {{ {}1{} }}\n", "{".repeat(depth), "}".repeat(depth));
            let f = parse(Lang::Rust, text).unwrap();
            assert_eq!(f.line_count(), 2);
            let text = format!(
                "fn f() {{ let s = {}\"a\"{}; }}\n",
                "(".repeat(depth),
                ")".repeat(depth)
            );
            assert!(parse(Lang::Rust, text).is_ok());
        }
    }

    #[test]
    fn lone_cr_line_breaks_are_rows_of_the_tree() {
        let f = parse(Lang::Python, "import os\r\rx = 1\ros.system(x)\r".into()).unwrap();
        assert!(!f.tree.root_node().has_error());
        let mut call_rows = Vec::new();
        walk(f.tree.root_node(), &mut |n| {
            if n.kind() == "call" {
                call_rows.push(f.lines(n).0);
            }
            true
        });
        assert_eq!(call_rows, [4]);
        assert_eq!(f.line_text(4), "os.system(x)");
        assert_eq!(f.line_of(f.text.find("os.system").unwrap()), 4);
        assert_eq!(f.line_count(), 5);
    }

    #[test]
    fn walk_with_parent_passes_each_nodes_parent() {
        let f = parse(
            Lang::Python,
            "def g():\n    x = f(a.b, [1, (2, 3)])\n".into(),
        )
        .unwrap();
        let mut n = 0;
        walk_with_parent(f.tree.root_node(), &mut |node, parent| {
            n += 1;
            assert_eq!(parent, node.parent(), "{}", node.kind());
            true
        });
        let mut m = 0;
        walk(f.tree.root_node(), &mut |_| {
            m += 1;
            true
        });
        assert_eq!(n, m);
    }

    #[test]
    fn walk_visits_every_node_once() {
        let f = parse(Lang::Python, "x = f(1, 2)\ny = 3\n".into()).unwrap();
        let mut n = 0;
        walk(f.tree.root_node(), &mut |_| {
            n += 1;
            true
        });
        let mut m = 0;
        let mut stack = vec![f.tree.root_node()];
        while let Some(node) = stack.pop() {
            m += 1;
            for i in 0..node.child_count() {
                stack.push(node.child(i).unwrap());
            }
        }
        assert_eq!(n, m);
    }
}
