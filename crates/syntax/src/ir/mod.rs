//! A small, language-neutral intermediate representation of a source file, lowered once per file from its
//! tree-sitter tree so the analyses (taint, authz, the project index) are written once for every language.
//!
//! The IR keeps what those analyses ask about and nothing else: imports, classes (Python classes; Rust structs,
//! enums, traits and `impl` blocks), functions with their parameters, statements and expressions. Every node has
//! a [`Span`]. Strings borrow from the parsed file's text (`&'a str`): lowering allocates only the vectors that
//! hold children, and names, literals and type texts are slices of the source.
//!
//! A few normalizations make the two languages look alike, so an analysis needs one case where the languages
//! have two spellings:
//! - a Rust struct literal `User { id, name: n }` is a [`Call`] with keyword arguments, like Python's
//!   `User(id=id, name=n)`; a method call is a call whose callee is an [`ExprKind::Attr`] in both languages;
//! - `assert c, m` is `if not c: raise m`; `if let P = e { … } else { … }` is a two-arm [`StmtKind::Match`];
//! - a Rust function body's tail expression is a [`StmtKind::Return`]; a block, `if` or `match` used as a
//!   value is an [`ExprKind::Block`] whose value is that of its [`StmtKind::Value`] statements (Python's
//!   `a if c else b` lowers the same way);
//! - references, dereferences, casts and parentheses are transparent (`&x`, `*x`, `x as T`, `(x)` are `x`);
//! - every way of building a string is one [`ExprKind::StrBuild`] with its parts.
//!
//! Lowering is depth-bounded: past [`MAX_DEPTH`] nested statements or expressions the rest of that subtree is
//! [`ExprKind::Unknown`] and [`Module::depth_capped`] says so. Hostile input (100,000 nested parentheses) lowers
//! in bounded stack. Chains — method calls, attribute and index accesses, `?`, `.await`, left-nested binary
//! operators (`Router::new().route(…).route(…)…`, `a + b + …`) — are walked with a loop instead and may be up
//! to [`MAX_CHAIN`] links long, so an analysis must follow a chain's `callee` / `base` / `left` with a loop
//! (or bound its own recursion, as [`render`] does).

pub(crate) mod print;
pub mod python;
pub mod rust;
pub mod walk;

use crate::{Lang, ParsedFile};

/// Deepest nesting of statements and expressions lowered; deeper code becomes [`ExprKind::Unknown`]. Real code
/// nests a few dozen levels; 96 levels of the lowering's frames stay well inside a 2 MiB thread stack (a test
/// checks it), the smallest stack a rayon worker gets.
pub const MAX_DEPTH: u32 = 96;

/// Longest chain of postfix operations and left-nested binary operators lowered as one level of the depth
/// budget (`Router::new().route(…).route(…)…`, `a + b + c + …`): real builder chains have a few hundred
/// links at most, and the lowering walks them with a loop. Past it, the chain's innermost part is `Unknown`.
pub const MAX_CHAIN: usize = 2048;

/// Where a node is: its byte range in the parsed text and its 1-based first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    pub line: u32,
}

/// One lowered source file.
#[derive(Debug, Clone, PartialEq)]
pub struct Module<'a> {
    pub lang: Lang,
    /// Every import of the file's own module scope, in source order. Python's function-level imports are
    /// included (they resolve the same way); a Rust inline `mod m { … }` keeps its own in [`Mod::imports`].
    pub imports: Vec<Import<'a>>,
    pub body: Vec<Stmt<'a>>,
    /// Some subtree was deeper than [`MAX_DEPTH`] and lowered as [`ExprKind::Unknown`].
    pub depth_capped: bool,
}

/// One imported binding.
///
/// | source | `level` | `path` | `name` | `alias` | `glob` |
/// |---|---|---|---|---|---|
/// | `import a.b` | 0 | `a, b` | – | – | no |
/// | `import a.b as x` | 0 | `a, b` | – | `x` | no |
/// | `from ..m import f as g` | 2 | `m` | `f` | `g` | no |
/// | `from . import *` | 1 | – | – | – | yes |
/// | `use crate::a::{self, B as C};` | 0 | `crate` / `crate, a` | `a` / `B` | – / `C` | no |
/// | `use super::m::*;` | 0 | `super, m` | – | – | yes |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import<'a> {
    pub span: Span,
    /// Leading dots of a Python relative import (Rust spells `super`/`self`/`crate` as path segments).
    pub level: u32,
    /// The module path: for `from`-imports and Rust `use`, the path before the imported name.
    pub path: Vec<&'a str>,
    /// The imported name (`from m import name`; the last segment of a Rust `use` path).
    pub name: Option<&'a str>,
    pub alias: Option<&'a str>,
    pub glob: bool,
    /// A re-export: Rust `pub use` (Python re-exports are every import of a package's `__init__`).
    pub public: bool,
}

impl<'a> Import<'a> {
    /// The name this import binds in the importing scope (`None` for a glob): the alias, the imported name,
    /// or for `import a.b` the top package `a`.
    pub fn local(&self) -> Option<&'a str> {
        if self.glob {
            return None;
        }
        self.alias
            .or(self.name)
            .or_else(|| self.path.first().copied())
    }
}

/// A class-like definition: a Python class, or a Rust struct, enum, trait or `impl` block (one [`Class`] per
/// block; the index merges a type's blocks).
#[derive(Debug, Clone, PartialEq)]
pub struct Class<'a> {
    pub span: Span,
    pub kind: ClassKind,
    /// The class name; for an `impl` block, the implementing type's name (`impl<T> Repo<T>` → `Repo`).
    pub name: &'a str,
    /// Python base classes and class keywords (`metaclass=M` as a keyword call argument is in `keywords`).
    pub bases: Vec<Expr<'a>>,
    pub keywords: Vec<Kwarg<'a>>,
    /// The trait a Rust `impl Trait for Type` implements.
    pub implements: Option<Expr<'a>>,
    /// Python decorators; Rust attributes (`#[derive(…)]` is a call of `derive` with the traits as arguments).
    pub decorators: Vec<Expr<'a>>,
    /// Python class attributes (annotated or assigned in the class body); Rust struct fields and enum variants.
    pub fields: Vec<Field<'a>>,
    pub methods: Vec<Function<'a>>,
    /// The rest of a Python class body (nested classes such as Django's `Meta`, docstrings, statements).
    pub body: Vec<Stmt<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    Class,
    Struct,
    Enum,
    Trait,
    Impl,
}

/// A class attribute or struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field<'a> {
    pub span: Span,
    pub name: &'a str,
    pub annotation: Option<Ty<'a>>,
    pub value: Option<Expr<'a>>,
    pub decorators: Vec<Expr<'a>>,
}

/// A type as written: its source text, and the same type lowered as an expression (`Mapped[int]` and
/// `Json<User>` are both an [`ExprKind::Index`] of a name), so `Annotated[U, Depends(f)]` exposes the call.
#[derive(Debug, Clone, PartialEq)]
pub struct Ty<'a> {
    pub text: &'a str,
    pub expr: Expr<'a>,
}

impl Ty<'_> {
    /// The type's outermost name, without module path or type arguments: `web::Json<T>` → `Json`,
    /// `Mapped[int]` → `Mapped`, `&mut Parts` → `Parts`.
    pub fn head(&self) -> Option<&str> {
        head_name(&self.expr)
    }
}

fn head_name<'e>(e: &'e Expr<'_>) -> Option<&'e str> {
    match &e.kind {
        ExprKind::Name(n) => Some(n),
        ExprKind::Path(p) => p.last().copied(),
        ExprKind::Attr(a) => Some(a.name),
        ExprKind::Index(i) => head_name(&i.base),
        _ => None,
    }
}

/// A function or method (a Python `lambda` and a Rust closure are [`ExprKind::Lambda`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Function<'a> {
    pub span: Span,
    pub name: &'a str,
    pub params: Vec<Param<'a>>,
    pub returns: Option<Ty<'a>>,
    pub decorators: Vec<Expr<'a>>,
    pub is_async: bool,
    pub body: Vec<Stmt<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param<'a> {
    pub span: Span,
    /// The bound name; for a destructuring Rust pattern (`Path(id): Path<i64>`), its first binding (`id`).
    pub name: &'a str,
    pub kind: ParamKind,
    /// The pattern when it is more than a name (`Path(id)`).
    pub pattern: Option<Expr<'a>>,
    pub default: Option<Expr<'a>>,
    pub annotation: Option<Ty<'a>>,
    /// Rust: the head of the parameter's type, which is what a framework extractor is (`Json`, `State`,
    /// `AuthUser`); Python frameworks read `annotation` and `default` instead.
    pub extractor: Option<&'a str>,
    pub decorators: Vec<Expr<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Normal,
    /// `self` / `&self` / `&mut self` in Rust (Python's `self` is a normal first parameter).
    SelfParam,
    /// `*args`
    VarArgs,
    /// `**kwargs`
    KwArgs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt<'a> {
    pub span: Span,
    pub kind: StmtKind<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind<'a> {
    /// `a = b = v`, `x: T = v`, Rust `let P: T = v else { … };` (`else_` runs when the pattern does not match,
    /// and diverges). A bare annotation (`x: int`) has no value.
    Assign(Box<Assign<'a>>),
    /// `x += v` (`op` is the operator without `=`).
    AugAssign(Box<AugAssign<'a>>),
    /// `elif` is an `If` alone in `else_`.
    If(Box<If<'a>>),
    Match(Box<Match<'a>>),
    Loop(Box<Loop<'a>>),
    Try(Box<Try<'a>>),
    With(Box<With<'a>>),
    Return(Option<Expr<'a>>),
    /// An early exit with an error: Python `raise`, Rust `panic!`/`unreachable!`/`todo!`/`unimplemented!`.
    Raise(Option<Expr<'a>>),
    Break,
    Continue,
    Expr(Expr<'a>),
    /// The value of the enclosing [`ExprKind::Block`].
    Value(Expr<'a>),
    FunctionDef(Box<Function<'a>>),
    ClassDef(Box<Class<'a>>),
    /// A Rust `mod` item.
    Mod(Box<Mod<'a>>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assign<'a> {
    pub targets: Vec<Expr<'a>>,
    pub value: Option<Expr<'a>>,
    pub annotation: Option<Ty<'a>>,
    pub else_: Vec<Stmt<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AugAssign<'a> {
    pub target: Expr<'a>,
    pub op: &'a str,
    pub value: Expr<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct If<'a> {
    pub cond: Expr<'a>,
    pub then: Vec<Stmt<'a>>,
    pub else_: Vec<Stmt<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Match<'a> {
    pub subject: Expr<'a>,
    pub arms: Vec<Arm<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arm<'a> {
    pub span: Span,
    /// The pattern as an expression (`Some(x)` is a call, `_` the name `_`); unstructured patterns are
    /// [`ExprKind::Unknown`].
    pub pattern: Expr<'a>,
    pub guard: Option<Expr<'a>>,
    pub body: Vec<Stmt<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    For,
    While,
    /// Rust `loop { … }`.
    Infinite,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Loop<'a> {
    pub kind: LoopKind,
    /// The `for` target.
    pub target: Option<Expr<'a>>,
    /// The `for` iterable or the `while` condition.
    pub iter: Option<Expr<'a>>,
    pub body: Vec<Stmt<'a>>,
    /// Python's loop `else:`.
    pub else_: Vec<Stmt<'a>>,
    pub is_async: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Try<'a> {
    pub body: Vec<Stmt<'a>>,
    pub handlers: Vec<Handler<'a>>,
    pub else_: Vec<Stmt<'a>>,
    pub finally: Vec<Stmt<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Handler<'a> {
    pub span: Span,
    /// The exception type(s) caught; `None` for a bare `except:`.
    pub types: Option<Expr<'a>>,
    pub name: Option<&'a str>,
    pub body: Vec<Stmt<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct With<'a> {
    pub items: Vec<WithItem<'a>>,
    pub body: Vec<Stmt<'a>>,
    pub is_async: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WithItem<'a> {
    pub context: Expr<'a>,
    pub target: Option<Expr<'a>>,
}

/// A Rust `mod name;` (no body: the module is another file) or `mod name { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mod<'a> {
    pub name: &'a str,
    pub decorators: Vec<Expr<'a>>,
    /// `#[path = "…"]`
    pub path_attr: Option<&'a str>,
    pub imports: Vec<Import<'a>>,
    pub body: Option<Vec<Stmt<'a>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr<'a> {
    pub span: Span,
    pub kind: ExprKind<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind<'a> {
    Name(&'a str),
    /// A Rust path `a::b::C` (Python's `a.b.c` is a chain of [`ExprKind::Attr`]).
    Path(Vec<&'a str>),
    Lit(Lit<'a>),
    StrBuild(Box<StrBuild<'a>>),
    Call(Box<Call<'a>>),
    Attr(Box<Attr<'a>>),
    Index(Box<Index<'a>>),
    Container(Box<Container<'a>>),
    /// `a < b <= c` is one comparison with two operators.
    Compare(Box<Compare<'a>>),
    BoolOp(Box<BoolOp<'a>>),
    /// Arithmetic and other binary operators that build no string.
    BinOp(Box<BinOp<'a>>),
    Not(Box<Expr<'a>>),
    /// `-x`, `~x`.
    Unary(Box<Expr<'a>>),
    Lambda(Box<Lambda<'a>>),
    Await(Box<Expr<'a>>),
    /// Rust's `?`.
    Try(Box<Expr<'a>>),
    /// `*xs` (`double: false`) and `**kw` / Rust's `..base` (`double: true`) in calls and containers.
    Spread(Box<Expr<'a>>, bool),
    Comprehension(Box<Comprehension<'a>>),
    /// Statements evaluated for a value (see [`StmtKind::Value`]).
    Block(Vec<Stmt<'a>>),
    /// A `let` condition in a Rust `if let … && …` chain.
    Let(Box<Let<'a>>),
    /// Code the lowering does not structure (a Rust macro's token tree that is no simple expression): the
    /// names, literals and calls it mentions, in order. Its value derives from all of them.
    Opaque(Vec<Expr<'a>>),
    /// What the lowering does not model, or what lies past the depth budget.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LitKind {
    Str,
    Bytes,
    Int,
    Float,
    Bool,
    None,
    Char,
    /// `...`
    Ellipsis,
}

/// A literal. For strings, `text` is the source between the quotes, escapes not processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lit<'a> {
    pub kind: LitKind,
    pub text: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrBuildKind {
    /// `f"a{b}c"`: `parts` alternates literal chunks and interpolated expressions.
    FString,
    /// `a + b + …` with a string literal among the operands, or implicitly concatenated literals.
    Concat,
    /// `"…" % args`: the template, then the arguments.
    Percent,
    /// `"…".format(args)`, `format!("…", args)` and the other formatting macros: the template, then the
    /// arguments, then (Rust) the names the template captures inline (`{name}`).
    Format,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StrBuild<'a> {
    pub kind: StrBuildKind,
    pub parts: Vec<Expr<'a>>,
    /// The formatting macro (`format`, `println`, `write`) for a Rust `Format`.
    pub via: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call<'a> {
    pub callee: Expr<'a>,
    pub args: Vec<Expr<'a>>,
    pub kwargs: Vec<Kwarg<'a>>,
    /// A Rust macro invocation (`vec!`, `query!`), whose arguments are read from its token tree.
    pub is_macro: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Kwarg<'a> {
    pub name: &'a str,
    pub value: Expr<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attr<'a> {
    pub base: Expr<'a>,
    pub name: &'a str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index<'a> {
    pub base: Expr<'a>,
    pub index: Expr<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    List,
    Tuple,
    Set,
    /// Items are [`ContainerKind::Pair`] containers or spreads.
    Dict,
    /// A `key: value` item of a dict.
    Pair,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Container<'a> {
    pub kind: ContainerKind,
    pub items: Vec<Expr<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Compare<'a> {
    pub left: Expr<'a>,
    /// Operators as written (`==`, `is not`, `not in`), each with its right operand.
    pub ops: Vec<(&'a str, Expr<'a>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoolOpKind {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoolOp<'a> {
    pub op: BoolOpKind,
    pub values: Vec<Expr<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BinOp<'a> {
    pub op: &'a str,
    pub left: Expr<'a>,
    pub right: Expr<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lambda<'a> {
    pub params: Vec<Param<'a>>,
    /// A Python lambda's expression and a Rust closure's tail are a [`StmtKind::Return`].
    pub body: Vec<Stmt<'a>>,
    pub is_async: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comprehension<'a> {
    /// `List`, `Set`, `Dict` (the element is a `Pair`) or `Tuple` for a generator.
    pub kind: ContainerKind,
    pub element: Expr<'a>,
    pub generators: Vec<Generator<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Generator<'a> {
    pub target: Expr<'a>,
    pub iter: Expr<'a>,
    pub conds: Vec<Expr<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Let<'a> {
    pub pattern: Expr<'a>,
    pub value: Expr<'a>,
}

impl<'a> Expr<'a> {
    pub fn new(span: Span, kind: ExprKind<'a>) -> Expr<'a> {
        Expr { span, kind }
    }

    pub fn unknown(span: Span) -> Expr<'a> {
        Expr::new(span, ExprKind::Unknown)
    }

    /// The dotted name of a name, path or attribute chain (`a.b.c`, `a::b::c`), or `None` for anything else.
    pub fn dotted(&self) -> Option<String> {
        let mut parts: Vec<&str> = Vec::new();
        let mut e = self;
        loop {
            match &e.kind {
                ExprKind::Name(n) => {
                    parts.push(n);
                    break;
                }
                ExprKind::Path(p) => {
                    let joined = p.join("::");
                    parts.reverse();
                    let mut out = joined;
                    for part in parts {
                        out.push('.');
                        out.push_str(part);
                    }
                    return Some(out);
                }
                ExprKind::Attr(a) => {
                    parts.push(a.name);
                    e = &a.base;
                }
                _ => return None,
            }
        }
        parts.reverse();
        Some(parts.join("."))
    }
}

/// Lowers a parsed file to the IR.
pub fn lower(file: &ParsedFile) -> Module<'_> {
    match file.lang {
        Lang::Python => python::lower(file),
        Lang::Rust => rust::lower(file),
    }
}

pub use print::render;

/// State shared by both lowerings: the text, the line index and the depth budget.
pub(crate) struct Cx<'a> {
    pub file: &'a ParsedFile,
    pub depth: u32,
    pub capped: bool,
    pub imports: Vec<Import<'a>>,
}

impl<'a> Cx<'a> {
    pub fn new(file: &'a ParsedFile) -> Cx<'a> {
        Cx {
            file,
            depth: 0,
            capped: false,
            imports: Vec::new(),
        }
    }

    pub fn text(&self, node: tree_sitter::Node<'_>) -> &'a str {
        let text: &'a str = &self.file.text;
        text.get(node.byte_range()).unwrap_or("")
    }

    #[allow(clippy::unused_self)] // a method so both lowerings read `cx.span(n)` like `cx.text(n)`
    pub fn span(&self, node: tree_sitter::Node<'_>) -> Span {
        Span {
            start: node.start_byte() as u32,
            end: node.end_byte() as u32,
            line: node.start_position().row as u32 + 1,
        }
    }

    /// Enters one level of nesting; `false` (and the module marked capped) past [`MAX_DEPTH`].
    pub fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.capped = true;
            return false;
        }
        self.depth += 1;
        true
    }

    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Lowers `node` with `lower` one nesting level down, or as `Unknown` past [`MAX_DEPTH`]: the shared guard of
    /// every language's expression lowering.
    pub fn nested<'n>(
        &mut self,
        node: tree_sitter::Node<'n>,
        lower: impl FnOnce(&mut Self, tree_sitter::Node<'n>) -> Expr<'a>,
    ) -> Expr<'a> {
        if !self.enter() {
            return Expr::unknown(self.span(node));
        }
        let e = lower(self, node);
        self.leave();
        e
    }

    /// A literal of `kind` spanning `node`, its text as written.
    pub fn lit(&self, node: tree_sitter::Node<'_>, kind: LitKind) -> Expr<'a> {
        Expr::new(
            self.span(node),
            ExprKind::Lit(Lit {
                kind,
                text: self.text(node),
            }),
        )
    }

    /// Lowers a left-recursive chain (calls, attributes, indexes, `?`, `.await`, binary operators) with a
    /// loop: `inner` names the child a link wraps, `base` lowers the innermost non-link node, `link` builds one
    /// link around the lowered inner part. Arguments of each link cost one level; the spine costs none.
    pub fn chain(
        &mut self,
        node: tree_sitter::Node<'_>,
        inner: fn(tree_sitter::Node<'_>) -> Option<tree_sitter::Node<'_>>,
        base: fn(&mut Cx<'a>, tree_sitter::Node<'_>) -> Expr<'a>,
        link: fn(&mut Cx<'a>, tree_sitter::Node<'_>, Expr<'a>) -> Expr<'a>,
    ) -> Expr<'a> {
        // Most chains are one link (`f(x)`, `a.b`): no spine to allocate.
        if let Some(next) = inner(node)
            && inner(next).is_none()
        {
            let e = base(self, next);
            return link(self, node, e);
        }
        let mut spine = vec![node];
        let mut bottom = None;
        while let Some(&top) = spine.last() {
            match inner(top) {
                Some(next) if spine.len() < MAX_CHAIN => {
                    if inner(next).is_some() {
                        spine.push(next);
                    } else {
                        bottom = Some(next);
                        break;
                    }
                }
                Some(_) => {
                    self.capped = true;
                    break;
                }
                None => break,
            }
        }
        let mut e = match bottom {
            Some(b) => base(self, b),
            None => Expr::unknown(self.span(spine[spine.len() - 1])),
        };
        for n in spine.into_iter().rev() {
            e = link(self, n, e);
        }
        e
    }
}

#[cfg(test)]
mod tests;

/// A node's named children without comments (which tree-sitter attaches anywhere as extras).
///
/// `Node::named_child(i)` scans from the first child, so indexing every child of a wide node (a module of a
/// thousand statements, a large dict literal) is quadratic; a cursor walk is linear but allocates. A narrow
/// node is indexed, a wide one walked once into a vector.
pub(crate) fn kids(node: tree_sitter::Node<'_>) -> Kids<'_> {
    if node.child_count() <= 16 {
        Kids::Indexed(node, 0)
    } else {
        let mut cursor = node.walk();
        let all: Vec<_> = node
            .named_children(&mut cursor)
            .filter(|c| !c.is_extra())
            .collect();
        Kids::Walked(all.into_iter())
    }
}

pub(crate) enum Kids<'t> {
    Indexed(tree_sitter::Node<'t>, u32),
    Walked(std::vec::IntoIter<tree_sitter::Node<'t>>),
}

impl<'t> Iterator for Kids<'t> {
    type Item = tree_sitter::Node<'t>;

    fn next(&mut self) -> Option<tree_sitter::Node<'t>> {
        match self {
            Kids::Indexed(node, i) => loop {
                let c = node.named_child(*i)?;
                *i += 1;
                if !c.is_extra() {
                    return Some(c);
                }
            },
            Kids::Walked(it) => it.next(),
        }
    }
}

/// A grammar's field ids by name. `Node::child_by_field_name` looks the name up with a linear `strncmp` scan
/// of the grammar's field table on every call, a fifth of the lowering's time; this map is built once.
pub(crate) struct Fields(std::collections::HashMap<String, u16>);

impl Fields {
    pub fn new(lang: Lang) -> Fields {
        let grammar = lang.grammar();
        let ids = (1..=grammar.field_count())
            .filter_map(|id| {
                let id = u16::try_from(id).ok()?;
                Some((grammar.field_name_for_id(id)?.to_owned(), id))
            })
            .collect();
        Fields(ids)
    }

    /// `node.child_by_field_name(name)`, with the id from the map.
    pub fn child<'t>(
        &self,
        node: tree_sitter::Node<'t>,
        name: &str,
    ) -> Option<tree_sitter::Node<'t>> {
        node.child_by_field_id(*self.0.get(name)?)
    }
}

/// The named children of `node` under `field` (a field can repeat: Python's `subscript`, `name`).
pub(crate) fn field_kids<'t>(
    node: tree_sitter::Node<'t>,
    field: &'static str,
) -> Vec<tree_sitter::Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor)
        .filter(|c| c.is_named() && !c.is_extra())
        .collect()
}
