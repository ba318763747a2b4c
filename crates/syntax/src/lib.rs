//! # secreview-syntax
//!
//! The only crate that names tree-sitter grammars. It detects a file's [`Lang`] (by extension, and by a `#!`
//! shebang for Python scripts), parses it with a per-thread parser cache ([`parse`]), and offers the small node
//! helpers the analyses share ([`ParsedFile::text`], [`ParsedFile::line_of`]).
//!
//! It must not know about rules or findings. Trees with syntax errors are returned, not rejected: half-written
//! code on a branch is exactly what gets reviewed, and tree-sitter recovers well enough to analyse the rest.

use std::cell::RefCell;

use tree_sitter::{Language, Node, Parser, Tree};

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
            let first = text.lines().next().unwrap_or("");
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

/// Parses `text` as `lang`. Returns `None` only if tree-sitter gives up entirely (timeout or cancellation),
/// which does not happen for the grammars and settings used here.
pub fn parse(lang: Lang, text: String) -> Option<ParsedFile> {
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
    })?;
    let line_starts = line_starts(&text);
    Some(ParsedFile {
        lang,
        text,
        tree,
        line_starts,
    })
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
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
    text[start..end].trim_end_matches(['\n', '\r'])
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
