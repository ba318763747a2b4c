// Snippets are raw strings with hashes whether or not they hold a quote, so they all read alike.
#![allow(clippy::needless_raw_string_hashes)]

use std::fmt::Write as _;

use super::*;
use crate::parse;

fn ir(lang: Lang, src: &str) -> String {
    let f = parse(lang, src.to_owned()).unwrap();
    render(&lower(&f))
}

fn py(src: &str) -> String {
    ir(Lang::Python, src)
}

fn rs(src: &str) -> String {
    ir(Lang::Rust, src)
}

#[test]
fn python_imports_of_every_shape() {
    insta::assert_snapshot!(py(r#"
import os, sys as system
import app.models
import app.models as m
from app.api.deps import Caller, SessionDep as S
from . import deps
from ..core import (
    security,
    get_user as gu,  # comment
)
from .x import *
from __future__ import annotations
def f():
    from app import late
"#));
}

#[test]
fn python_fastapi_route_with_depends_and_annotated() {
    insta::assert_snapshot!(py(r#"
CurrentUser = Annotated[User, Depends(get_current_user)]

@router.put("/items/{item_id}", dependencies=[Depends(verify_token)], status_code=200)
async def update_item(
    item_id: int,
    item: ItemUpdate,
    user: CurrentUser,
    db: Session = Depends(get_db),
    *args,
    limit: int = Query(10, le=100),
    **extra,
) -> ItemOut:
    row = db.get(Item, item_id)
    if row is None or row.owner_id != user.id:
        raise HTTPException(status_code=403, detail="forbidden")
    return await service.update(row, item)
"#));
}

#[test]
fn python_sqlalchemy_model_and_init_attributes() {
    insta::assert_snapshot!(py(r#"
class Rating(Base):
    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    owner: Mapped["User"] = relationship(back_populates="ratings")
    note: Mapped[str | None]
    legacy = Column(Integer, ForeignKey("users.id"))

    class Meta:
        ordering = ["id"]

class RatingService:
    def __init__(self, db: Session):
        self.repo = Repo(db)
        self.db = db

    def get(self, rating_id):
        return self.repo.get(rating_id)
"#));
}

#[test]
fn python_string_building_forms() {
    insta::assert_snapshot!(py(r#"
a = f"SELECT * FROM t WHERE id = {uid!r} AND n = {n:>4}"
b = "SELECT %s FROM t" % col
c = "SELECT %s, %s" % (x, y)
d = "SELECT {} FROM {t}".format(col, t=table)
e = "SELECT " + col + " FROM t"
g = "a" "b"
h = f"plain"
i = b"bytes"
"#));
}

#[test]
fn python_control_flow() {
    insta::assert_snapshot!(py(r#"
def f(xs, cmd):
    if a:
        x = 1
    elif b:
        x = 2
    else:
        x = 3
    for i in xs:
        continue
    else:
        pass
    while n > 0:
        n -= 1
        break
    try:
        risky()
    except (KeyError, ValueError) as e:
        log(e)
    except Exception:
        raise
    else:
        ok()
    finally:
        close()
    with open(p) as fh, lock:
        data = fh.read()
    match cmd:
        case Point(x=0, y=yy) if yy > 1:
            pass
        case "a" | "b":
            pass
        case _:
            pass
    ys = [i * 2 for i in xs if i]
    d = {k: v for k, v in pairs}
    g = sum(i for i in xs)
    key = lambda item: item.id
    z = a if cond else b
    assert user.is_admin, "admin only"
    if (n := len(xs)) > 10:
        pass
    return not a and b or c, a < b <= c, a is not b, x not in y, xs[1:2], {**d, "k": v}, [*xs]
"#));
}

#[test]
fn python_early_raise() {
    insta::assert_snapshot!(py(r#"
def delete(doc_id, user):
    doc = repo.get(doc_id)
    if doc.owner_id != user.id:
        raise HTTPException(403)
    repo.delete(doc)
"#));
}

#[test]
fn rust_use_trees_and_modules() {
    insta::assert_snapshot!(rs(r#"
use std::collections::HashMap;
use crate::{auth::{self, AuthUser as User}, db::*};
pub use super::models::{Note, NoteId};
use self::inner::Thing;
use ::serde::Deserialize;
extern crate alloc as a;
mod routes;
#[path = "other/place.rs"]
mod placed;
pub mod inline {
    use super::*;
    fn helper() {}
}
"#));
}

#[test]
fn rust_axum_handler_with_extractors() {
    insta::assert_snapshot!(rs(r#"
#[debug_handler]
pub async fn update_note(
    State(state): State<AppState>,
    Path((org, id)): Path<(i64, i64)>,
    user: AuthUser,
    Json(body): Json<UpdateNote>,
) -> Result<Json<Note>, AppError> {
    let note = state.db.get_note(id).await?;
    if note.owner_id != user.id {
        return Err(AppError::Forbidden);
    }
    let q = format!("UPDATE notes SET body = '{}' WHERE id = {id}", body.text);
    sqlx::query(&q).execute(&state.pool).await?;
    Ok(Json(note))
}

#[get("/users/{id}")]
async fn actix_get(path: web::Path<u32>, data: web::Data<Pool>) -> impl Responder {
    HttpResponse::Ok().json(data.find(path.into_inner()))
}
"#));
}

#[test]
fn rust_structs_impls_and_trait_impls() {
    insta::assert_snapshot!(rs(r#"
#[derive(Debug, Deserialize)]
pub struct Note {
    pub id: i64,
    #[serde(rename = "owner")]
    pub owner_id: i64,
}
struct Wrapper(String, u8);
enum Role { Admin, Member = 2 }

impl Note {
    pub fn new(id: i64) -> Self {
        Note { id, owner_id: 0 }
    }
    fn owned_by(&self, user: &User) -> bool {
        self.owner_id == user.id
    }
}

#[async_trait]
impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
{
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).ok_or(StatusCode::UNAUTHORIZED)?;
        decode(header).map_err(|_| StatusCode::UNAUTHORIZED)
    }
}

trait Repo { fn get(&self, id: i64) -> Option<Note>; }
"#));
}

#[test]
fn rust_expressions_and_control_flow() {
    insta::assert_snapshot!(rs(r#"
fn f(items: Vec<Item>, opt: Option<u32>) -> u32 {
    let total = items.iter().filter(|i| i.active).map(|i| i.price * 2).sum::<u32>();
    let Some(v) = opt else { return 0 };
    if let Some(x) = opt { use_it(x); } else if flag && !other { panic!("bad {}", x); }
    let label = match v { 0 => "zero", n if n > 10 => { "big" } _ => "small" };
    let s = String::from("a") + &b;
    for (i, item) in items.iter().enumerate() { if i > 3 { break; } }
    while let Some(top) = stack.pop() { continue; }
    loop { break; }
    let v2 = vec![a, b.c(), 3];
    let r = query!("SELECT * FROM t WHERE id = ?", id).fetch_one(&pool).await?;
    writeln!(out, "{} {name}", v)?;
    let c = move |a: u32, b| { let d = a + b; d };
    if let Some(a) = x && a > 2 { todo!() }
    total += 1;
    unsafe { raw(p) }
}
"#));
}

/// Lowers `src` on a thread with a 2 MiB stack (the smallest a rayon worker gets).
fn lowers_in_small_stack(lang: Lang, src: String) -> (bool, usize) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let f = parse(lang, src).unwrap();
            let m = lower(&f);
            let printed = render(&m).len();
            (m.depth_capped, printed)
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn hostile_nesting_lowers_in_a_small_stack_and_says_it_was_capped() {
    let depth = 100_000;
    let cases = [
        (
            Lang::Python,
            format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth)),
        ),
        (
            Lang::Python,
            format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth)),
        ),
        (
            Lang::Python,
            format!("x = {}\n", vec!["a"; depth].join(" + ")),
        ),
        (Lang::Python, format!("x = a{}\n", ".b()".repeat(depth))),
        (
            Lang::Python,
            format!("x = {}1{}\n", "f(".repeat(depth), ")".repeat(depth)),
        ),
        (
            Lang::Rust,
            format!("fn f() {{ {}1{} }}\n", "{".repeat(depth), "}".repeat(depth)),
        ),
        (
            Lang::Rust,
            format!(
                "fn f() {{ let s = {}\"a\"{}; }}\n",
                "(".repeat(depth),
                ")".repeat(depth)
            ),
        ),
        (
            Lang::Rust,
            format!(
                "fn f() {{ m!{}x{}; }}\n",
                "(".repeat(depth),
                ")".repeat(depth)
            ),
        ),
        (
            Lang::Rust,
            format!(
                "fn f() {{ {} }}\n",
                "if a { ".repeat(depth) + &"}".repeat(depth)
            ),
        ),
        (
            Lang::Rust,
            format!("fn f() {{ let x = a{}; }}\n", ".b()".repeat(depth)),
        ),
        (
            Lang::Rust,
            format!("use {}x{};\n", "a::{".repeat(depth), "}".repeat(depth)),
        ),
    ];
    for (lang, src) in cases {
        let (capped, printed) = lowers_in_small_stack(lang, src);
        assert!(capped, "{lang:?}");
        assert!(printed > 0);
    }
}

#[test]
fn long_builder_chains_are_not_capped() {
    // An axum router of 300 routes nests 600 levels of calls and fields; the lowering walks the chain.
    let mut routes = String::new();
    for i in 0..300 {
        write!(routes, ".route(\"/r{i}\", get(h{i}))").unwrap();
    }
    let (capped, _) = lowers_in_small_stack(
        Lang::Rust,
        format!("fn app() -> Router {{ Router::new(){routes}.layer(auth) }}\n"),
    );
    assert!(!capped);
    let sum = vec!["x"; 400].join(" + ");
    let (capped, _) = lowers_in_small_stack(
        Lang::Python,
        format!("q = {sum}\nr = a{}\n", ".b()".repeat(300)),
    );
    assert!(!capped);
    let f = parse(
        Lang::Rust,
        format!("fn app() {{ Router::new(){routes} }}\n"),
    )
    .unwrap();
    let m = lower(&f);
    let StmtKind::FunctionDef(app) = &m.body[0].kind else {
        panic!("{:?}", m.body[0]);
    };
    let StmtKind::Return(Some(mut e)) = app.body[0].kind.clone() else {
        panic!("{:?}", app.body[0]);
    };
    // Walk the chain with a loop, as analyses must: `….route("/r299", …)` outermost, `Router::new` inside.
    let mut routes = Vec::new();
    while let ExprKind::Call(c) = e.kind {
        let c = *c;
        if let ExprKind::Attr(a) = c.callee.kind {
            routes.push(print::expr(&c.args[0]));
            e = a.base;
        } else {
            e = c.callee;
        }
    }
    assert_eq!(routes.len(), 300);
    assert_eq!(
        (routes[0].as_str(), routes[299].as_str()),
        ("\"/r299\"", "\"/r0\"")
    );
    assert_eq!(print::expr(&e), "Router::new");
}

#[test]
fn nesting_within_the_budget_is_not_capped() {
    let src = format!("x = {}1{}\n", "(".repeat(40), ")".repeat(40));
    let (capped, _) = lowers_in_small_stack(Lang::Python, src);
    assert!(!capped);
}

#[test]
fn ir_nodes_stay_compact() {
    // Every expression is a span plus a tag and two words; bigger variants are boxed.
    assert!(
        std::mem::size_of::<Expr<'_>>() <= 48,
        "{}",
        std::mem::size_of::<Expr<'_>>()
    );
    assert!(
        std::mem::size_of::<Stmt<'_>>() <= 72,
        "{}",
        std::mem::size_of::<Stmt<'_>>()
    );
}

#[test]
fn import_local_names_follow_python_and_rust_binding_rules() {
    let f = parse(
        Lang::Python,
        "import a.b\nimport a.b as x\nfrom m import f as g, h\nfrom . import *\n".into(),
    )
    .unwrap();
    let m = lower(&f);
    let locals: Vec<_> = m.imports.iter().map(Import::local).collect();
    assert_eq!(locals, [Some("a"), Some("x"), Some("g"), Some("h"), None]);
    let f = parse(Lang::Rust, "use crate::a::{self as b, C};\n".into()).unwrap();
    let m = lower(&f);
    let locals: Vec<_> = m.imports.iter().map(Import::local).collect();
    assert_eq!(locals, [Some("b"), Some("C")]);
}

#[test]
fn spans_point_at_the_source() {
    let src = "x = 1\nfoo(bar)\n";
    let f = parse(Lang::Python, src.into()).unwrap();
    let m = lower(&f);
    let StmtKind::Expr(e) = &m.body[1].kind else {
        panic!("{:?}", m.body[1]);
    };
    assert_eq!(e.span.line, 2);
    assert_eq!(&src[e.span.start as usize..e.span.end as usize], "foo(bar)");
    assert_eq!(e.dotted(), None);
    let f = parse(Lang::Rust, "fn f() { let s = format!(\"{a}\"); }\n".into()).unwrap();
    let m = lower(&f);
    let text = render(&m);
    assert!(text.contains("format:format[\"{a}\", a]"), "{text}");
}

#[test]
fn half_written_code_lowers_without_panicking() {
    // Every prefix of real-looking code: tree-sitter's ERROR nodes appear everywhere in them.
    let python = "from a import (b,\n  c as d)\n@r.get(\"/x\")\nasync def f(x: Annotated[U, Depends(g)] = 1, *a, **k):\n    \
                  if x and not y or z < 3:\n        raise E(f\"{x!r:>3}\") from e\n    with o() as (p, q):\n        \
                  return [i for i in p if i], {k: v for k, v in q}, lambda: (yield)\n    match s:\n        \
                  case P(x=1) | [1, *r]:\n            del x\n";
    let rust = "use a::{b::{self, c as d}, e::*};\n#[get(\"/x\")]\nasync fn f(Path((a, b)): Path<(i64, i64)>) -> R {\n    \
                let Some(x) = y else { return Err(e) };\n    if let Some(v) = w && v > 1 { m!(a, k = b.c()?) } \
                else { match x { A(b) if c => 1, _ => { 2 } } };\n    Ok(S { a, b: format!(\"{a} {}\", b), ..d })\n}\n\
                impl<T> Tr for X<T> { type R = u8; fn g(&self) {} }\n";
    for (lang, src) in [(Lang::Python, python), (Lang::Rust, rust)] {
        for end in (0..=src.len()).filter(|&i| src.is_char_boundary(i)) {
            let f = parse(lang, src[..end].to_owned()).unwrap();
            let _ = render(&lower(&f));
        }
    }
}

/// The functions a walk finds (class.name) and the calls each body evaluates, nested definitions excluded.
fn walked(lang: Lang, src: &str) -> String {
    let f = parse(lang, src.to_owned()).unwrap();
    let m = lower(&f);
    let calls = |body: &[Stmt<'_>]| {
        let mut out = Vec::new();
        walk::exprs(body, &mut |e| {
            if let ExprKind::Call(c) = &e.kind {
                out.push(c.callee.dotted().unwrap_or_default());
            }
        });
        out.join(",")
    };
    let mut out = format!("module: {}\n", calls(&m.body));
    for c in walk::classes(&m) {
        let _ = writeln!(out, "class {}: {}", c.name, calls(&c.body));
    }
    for s in walk::functions(&m) {
        let owner = s.class.map_or(String::new(), |c| format!("{}.", c.name));
        let _ = writeln!(
            out,
            "{owner}{}: {}",
            s.function.name,
            calls(&s.function.body)
        );
    }
    out
}

#[test]
fn walks_find_every_function_and_stay_in_their_scope() {
    insta::assert_snapshot!(walked(
        Lang::Python,
        r#"
@register(name())
class Jobs(Base):
    limit = default_limit()
    class Meta:
        ordering = order()

    @cached(ttl())
    def run(self, x=fallback()):
        helper(lambda: inner(x))
        def nested():
            deep()
        return [fmt(i) for i in items()]

if cond():
    def conditional():
        branch()
"#
    ));
    insta::assert_snapshot!(walked(
        Lang::Rust,
        r#"
mod inner { fn hidden() { secret(); } }
impl Repo {
    fn get(&self) -> i32 { self.pool.query(make()).unwrap_or(0) }
}
fn main() { let f = |x| call(x); println!("{}", fmt_it()); }
"#
    ));
}
