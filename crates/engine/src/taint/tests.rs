//! Unit tests of the propagation and precision mechanics, through the real engine and the embedded tables.

use secreview_model::ChangedFile;
use secreview_rules::RuleSet;

use crate::{Engine, Kinds, Settings};

fn engine() -> Engine {
    Engine::new(
        RuleSet::embedded().expect("embedded rules load"),
        Settings {
            today: "2026-01-01".into(),
            show_secrets: false,
        },
    )
    .expect("engine builds")
}

/// (rule id, line, confidence) of every taint finding in `src`.
fn scan(path: &str, src: &str) -> Vec<(String, u32, f32)> {
    let out = engine().scan(
        &[ChangedFile::whole(path.to_owned(), src.to_owned())],
        Kinds::ALL,
    );
    out.findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.location.start_line, f.confidence))
        .collect()
}

#[test]
#[ignore = "debugging aid: SCAN=path cargo test -p secreview-engine dump -- --ignored --nocapture"]
fn dump() {
    let path = std::env::var("SCAN").unwrap();
    let src = std::fs::read_to_string(&path).unwrap();
    let name = format!("app/x.{}", path.rsplit('.').next().unwrap());
    let out = engine().scan(&[ChangedFile::whole(name, src)], Kinds::ALL);
    for f in &out.findings {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "{}:{} {} {:.2} {}",
                f.location.start_line, f.location.start_col, f.rule_id, f.confidence, f.message
            );
            for e in &f.flow {
                eprintln!("      {}: {}", e.location.start_line, e.note);
            }
        }
    }
}

#[test]
fn scan_helper_works() {
    let r = scan("app/a.py", "import os\nos.system(input())\n");
    assert!(
        r.iter()
            .any(|(id, l, _)| id == "shell-command-built" && *l == 2),
        "{r:?}"
    );
}

fn sql_lines(src: &str) -> Vec<u32> {
    scan("app/v.py", src)
        .into_iter()
        .filter(|(id, _, _)| id == "sql-string-built")
        .map(|(_, l, _)| l)
        .collect()
}

const PRELUDE: &str = "from flask import request\nimport html\n";

fn py(body: &str) -> String {
    use std::fmt::Write as _;
    let mut indented = String::new();
    for l in body.lines() {
        let _ = writeln!(indented, "    {l}");
    }
    format!("{PRELUDE}def view():\n{indented}")
}

/// Line numbers in `py(body)` are body lines + 3.
fn sql_in(body: &str) -> Vec<u32> {
    sql_lines(&py(body)).into_iter().map(|l| l - 3).collect()
}

#[test]
fn assignment_chains_and_string_building_propagate() {
    let body = "a = request.args['q']\nb = 'x' + a\nc = f'{b}!'\nd = '%s' % c\ne = '{}'.format(d)\ncur.execute(e)\n";
    assert_eq!(sql_in(body), vec![6]);
}

#[test]
fn overwriting_with_a_constant_cleans() {
    assert!(sql_in("q = request.args['q']\nq = 'fixed'\ncur.execute('SELECT ' + q)\n").is_empty());
}

#[test]
fn bound_parameters_are_not_the_statement() {
    assert!(
        sql_in("q = request.args['q']\ncur.execute('SELECT * FROM t WHERE a = %s', (q,))\n")
            .is_empty()
    );
}

#[test]
fn constant_conditions_select_the_live_branch() {
    let dead = "v = request.args['v']\nif 1 > 2:\n    s = v\nelse:\n    s = 'ok'\ncur.execute(s)\n";
    assert!(sql_in(dead).is_empty());
    let live = "v = request.args['v']\nif 3 > 2:\n    s = v\nelse:\n    s = 'ok'\ncur.execute(s)\n";
    assert_eq!(sql_in(live), vec![6]);
    let unknown = "v = request.args['v']\nif v:\n    s = v\nelse:\n    s = 'ok'\ncur.execute(s)\n";
    assert_eq!(sql_in(unknown), vec![6]);
}

#[test]
fn sanitizers_are_per_sink_class() {
    let body = "v = html.escape(request.args['v'])\ncur.execute('SELECT ' + v)\nn = int(request.args['n'])\ncur.execute('SELECT ' + str(n))\n";
    assert_eq!(sql_in(body), vec![2]);
}

#[test]
fn allow_list_checks_with_early_exit_sanitize() {
    let body = "c = request.args['c']\nif c not in ALLOWED:\n    return None\ncur.execute('SELECT ' + c)\n";
    assert!(sql_in(body).is_empty());
    let inside = "c = request.args['c']\nif c in ('a', 'b'):\n    cur.execute('SELECT ' + c)\ncur.execute('SELECT ' + c)\n";
    assert_eq!(sql_in(inside), vec![4]);
}

#[test]
fn containers_track_constant_keys_and_positions() {
    let body = "d = {'safe': 'x', 'bad': request.args['b']}\ncur.execute(d['safe'])\ncur.execute(d['bad'])\nl = ['a']\nl.append(request.args['b'])\nl.pop(0)\ncur.execute(l[0])\na, b = 'k', request.args['b']\ncur.execute(a)\ncur.execute(b)\n";
    assert_eq!(sql_in(body), vec![3, 7, 10]);
}

#[test]
fn loops_carry_taint_into_the_next_iteration() {
    let body =
        "acc = ''\nfor w in ['a', 'b']:\n    cur.execute(acc)\n    acc = acc + request.args[w]\n";
    assert_eq!(sql_in(body), vec![3]);
}

#[test]
fn helper_summaries_map_parameters_to_the_return_value() {
    let src = format!(
        "{PRELUDE}def build(t, k):\n    return 'SELECT ' + t + k\ndef num(k):\n    return int(k)\ndef view():\n    k = request.args['k']\n    cur.execute(build('x', k))\n    cur.execute('SELECT ' + str(num(k)))\n"
    );
    assert_eq!(sql_lines(&src), vec![9]);
}

#[test]
fn confidence_follows_the_source_kind() {
    let src = format!(
        "{PRELUDE}import sys\ndef view():\n    cur.execute('SELECT ' + request.args['q'])\ndef helper(p):\n    cur.execute('SELECT ' + p)\ndef script():\n    cur.execute('SELECT ' + sys.argv[1])\n"
    );
    let found = scan("app/c.py", &src);
    let conf = |line: u32| {
        found
            .iter()
            .find(|(id, l, _)| id == "sql-string-built" && *l == line)
            .map_or(-1.0, |x| x.2)
    };
    assert!(conf(5) >= 0.8, "{found:?}");
    assert!((0.45..=0.55).contains(&conf(7)), "{found:?}");
    assert!((0.3..=0.4).contains(&conf(9)), "{found:?}");
}

#[test]
fn typed_handler_parameters_that_hold_no_text_are_clean() {
    let src = "from fastapi import APIRouter, Depends\nrouter = APIRouter()\n@router.get('/x/{a}')\ndef h(a: int, b: str, db=Depends(get_db)):\n    cur.execute(f'SELECT {a}')\n    cur.execute(f'SELECT {b}')\n    cur.execute(f'SELECT {db}')\n";
    let found = scan("app/f.py", src);
    let lines: Vec<(u32, f32)> = found
        .iter()
        .filter(|f| f.0 == "sql-string-built")
        .map(|f| (f.1, f.2))
        .collect();
    assert_eq!(lines.len(), 1, "{found:?}");
    assert_eq!(lines[0].0, 6);
    assert!(lines[0].1 >= 0.8);
}

#[test]
fn the_flow_runs_from_source_to_sink_and_the_hit_is_the_call() {
    let src = py("q = request.args['q']\nsql = 'SELECT ' + q\ncur.execute(\n    sql)\n");
    let out = engine().scan(&[ChangedFile::whole("app/v.py", src)], Kinds::ALL);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "sql-string-built")
        .unwrap();
    assert_eq!((f.location.start_line, f.location.start_col), (6, 5));
    assert_eq!(f.location.end_line, 7);
    let notes: Vec<&str> = f.flow.iter().map(|e| e.note.as_str()).collect();
    assert!(
        notes[0].starts_with("source: request.args (line 4)"),
        "{notes:?}"
    );
    assert_eq!(notes[1], "assigned to `q`");
    assert_eq!(notes[2], "assigned to `sql`");
    assert_eq!(*notes.last().unwrap(), "reaches cur.execute() argument 0");
    assert_eq!(f.flow[0].location.path, "app/v.py");
    assert!(
        f.message
            .contains("`sql` from request.args reaches cur.execute()"),
        "{}",
        f.message
    );
}

#[test]
fn only_functions_touching_added_lines_are_reported() {
    let src = "from flask import request\ndef a():\n    cur.execute('x' + request.args['a'])\ndef b():\n    cur.execute('x' + request.args['b'])\n";
    let mut file = ChangedFile::whole("app/d.py", src.to_owned());
    file.added = secreview_model::LineSet::new();
    file.added.insert(5);
    let out = engine().scan(&[file], Kinds::ALL);
    let lines: Vec<u32> = out.findings.iter().map(|f| f.location.start_line).collect();
    assert_eq!(lines, vec![5]);
}

#[test]
fn rust_extractors_format_and_bind() {
    let src = r#"
use axum::extract::Path;
async fn h(Path((name, id)): Path<(String, i64)>, pool: PgPool) {
    let a = format!("SELECT {id}");
    sqlx::query(&a).fetch_all(&pool).await;
    let b = format!("SELECT '{}'", name);
    sqlx::query(&b).fetch_all(&pool).await;
    sqlx::query("SELECT $1").bind(&name).fetch_all(&pool).await;
    let c = name.clone();
    let c = "fixed".to_string();
    sqlx::query(&c).fetch_all(&pool).await;
}
"#;
    let lines: Vec<u32> = scan("app/h.rs", src)
        .into_iter()
        .filter(|f| f.0 == "sql-string-built")
        .map(|f| f.1)
        .collect();
    assert_eq!(lines, vec![7]);
}

#[test]
fn fixed_origins_and_guard_intersections() {
    use super::{fixed_origin, intersect};
    assert!(fixed_origin("https://api.example.com/"));
    assert!(fixed_origin("http://h:8080/v1/"));
    assert!(!fixed_origin("https://"));
    assert!(!fixed_origin("https://api.example.com"));
    assert!(!fixed_origin("/local/"));
    let a = vec![("x".to_owned(), 0b11), ("y".to_owned(), 0b1)];
    let b = vec![("x".to_owned(), 0b10)];
    assert_eq!(intersect(&a, &b), vec![("x".to_owned(), 0b10)]);
}

#[test]
fn unknown_sanitizer_classes_are_setup_errors() {
    use secreview_rules::data::{TaintSanitizer, TaintTable};
    let table = TaintTable {
        sanitizer: vec![TaintSanitizer {
            call: vec!["f".into()],
            classes: vec!["nosuch".into()],
            ..TaintSanitizer::default()
        }],
        ..TaintTable::default()
    };
    let err = super::Tables::new(secreview_syntax::Lang::Python, &table).unwrap_err();
    assert!(err.to_string().contains("nosuch"), "{err}");
}

#[test]
fn constants_fold() {
    use super::Const;
    assert_eq!(
        Const::arith("*", &Const::Int(7), &Const::Int(6)),
        Some(Const::Int(42))
    );
    assert_eq!(
        Const::compare(">", &Const::Int(42), &Const::Int(100)),
        Some(false)
    );
    assert_eq!(
        Const::compare("==", &Const::Str("a".into()), &Const::Str("a".into())),
        Some(true)
    );
    assert_eq!(
        Const::compare("in", &Const::Str("b".into()), &Const::Str("abc".into())),
        Some(true)
    );
}

#[test]
fn very_long_expressions_neither_overflow_nor_stall() {
    let terms: Vec<String> = (0..20_000).map(|i| format!("'s{i}'")).collect();
    let src = format!(
        "from flask import request\ndef v():\n    q = {} + request.args['q']\n    cur.execute(q)\n",
        terms.join(" + ")
    );
    let start = std::time::Instant::now();
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || scan("app/long.py", &src))
        .unwrap();
    let found = handle.join().expect("no stack overflow");
    assert!(start.elapsed().as_secs() < 20);
    // The tainted term sits at the top of the chain, so the flow is still seen.
    assert!(found.iter().any(|f| f.0 == "sql-string-built"), "{found:?}");
}

#[test]
fn taint_deep_inside_a_long_chain_is_still_seen() {
    // The source is the innermost (leftmost) term of a 500-deep `+` chain, past the recursion limit.
    let chain = " + 'a'".repeat(500);
    let body =
        format!("q = request.args['q']{chain}\ncur.execute(q)\nk = 'b'{chain}\ncur.execute(k)\n");
    assert_eq!(sql_in(&body), vec![2]);
}

#[test]
fn past_the_nesting_limit_branches_keep_taint_and_sinks_are_checked() {
    // 70 nested `if`s put the innermost block past `MAX_NESTING`: the flat pass walks it.
    use std::fmt::Write as _;
    let depth = 70;
    let mut body = String::new();
    for i in 0..depth {
        let _ = writeln!(body, "{}if a:", "    ".repeat(i));
    }
    let ind = "    ".repeat(depth);
    for line in [
        "if b:",
        "    q = request.args['q']",
        "else:",
        "    q = 'safe'",
        "cur.execute(q)",
        "cur.execute(int(q))",
        "cur.execute(html.escape(q))",
    ] {
        let _ = writeln!(body, "{ind}{line}");
    }
    // A later branch does not erase an earlier one's taint; sanitizers still apply.
    let first_sink = depth as u32 + 5;
    assert_eq!(sql_in(&body), vec![first_sink, first_sink + 2]);
}

#[test]
fn rust_past_the_nesting_limit_binds_and_checks_sinks() {
    let depth = 70;
    let src = format!(
        "use axum::extract::Query;\nuse std::process::Command;\nasync fn run(Query(q): Query<String>) {{\n{}\nlet c = if a {{ q.clone() }} else {{ String::new() }};\nCommand::new(&c).output().unwrap();\n{}\n}}\n",
        "{ ".repeat(depth),
        " }".repeat(depth)
    );
    let found = scan("src/run.rs", &src);
    assert!(
        found
            .iter()
            .any(|(id, l, _)| id == "shell-command-built" && *l == 6),
        "{found:?}"
    );
}

#[test]
fn past_the_work_budget_the_rest_of_the_file_is_still_analysed() {
    // 2,000 variables and 2,000 branches exhaust the budget long before the sink at the end.
    use std::fmt::Write as _;
    let n = 2_000;
    let mut body = String::new();
    for i in 0..n {
        let _ = writeln!(body, "x{i} = 'c'");
    }
    body.push_str(&"if a:\n    y = 1\n".repeat(n));
    body.push_str("q = request.args['q']\ncur.execute(q)\ncur.execute(int(q))\n");
    assert_eq!(sql_in(&body), vec![n as u32 * 3 + 2]);
}

#[test]
fn internal_hosts_are_dotless_suffixed_or_private() {
    use super::internal_host;
    let suffixes = vec![".internal".to_owned(), ".svc.cluster.local".to_owned()];
    for host in [
        "billing",
        "billing:8080",
        "localhost",
        "api.internal",
        "a.b.svc.cluster.local",
        "10.0.0.3",
        "127.0.0.1:5000",
        "192.168.1.1",
        "169.254.169.254",
        "[::1]:80",
    ] {
        assert!(internal_host(host, &suffixes), "{host}");
    }
    for host in [
        "api.github.com",
        "8.8.8.8",
        "example.internal.com",
        "[2001:db8::1]",
    ] {
        assert!(!internal_host(host, &suffixes), "{host}");
    }
}

#[test]
fn a_prefix_decides_what_an_interpolated_value_can_reach() {
    let rules = RuleSet::embedded().expect("embedded rules load");
    let tables = super::Tables::new(
        secreview_syntax::Lang::Python,
        rules.taint_table(secreview_syntax::Lang::Python),
    )
    .expect("tables build");
    let bit = |c: &str| tables.class_bit(c).unwrap();
    // Host fixed and internal: no SSRF, but a path injection into the internal service.
    let m = tables.prefix_mask("http://billing/api/");
    assert_eq!(m & bit("ssrf"), bit("ssrf"));
    assert_eq!(m & bit("internal_url"), 0);
    // Host fixed and public: neither.
    let m = tables.prefix_mask("https://api.github.com/users/");
    assert_ne!(m & bit("internal_url"), 0);
    // The value reaches the host: both stay.
    assert_eq!(
        tables.prefix_mask("http://") & (bit("ssrf") | bit("internal_url")),
        0
    );
    // Argv words: a constant prefix keeps a word from starting with `-`, dashes do not.
    assert_ne!(tables.prefix_mask("--branch=") & bit("argument"), 0);
    assert_eq!(tables.prefix_mask("--") & bit("argument"), 0);
    assert_eq!(tables.prefix_mask("") & bit("argument"), 0);
}
