//! Output is not an attack surface: paths, code and comments from the branch under review carry terminal escape
//! sequences, line breaks that forge workflow commands, and Markdown/HTML that would end a code span or a table
//! cell. Every human-facing format must show them inert.

#[allow(dead_code)] // shared with the snapshot tests, which use all of it
mod fixture;

use fixture::Fixture;
use secreview_model::{SkipReason, Skipped};
use secreview_report::{Format, TableOptions, render};

/// Clear screen, set the window title, an OSC 8 hyperlink, a one-byte CSI, a bidi override.
const ESCAPES: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]8;;https://evil.example\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{9b}31m\u{202e}";
/// A newline that starts a forged GitHub workflow command, and Markdown table breakers.
const FORGED: &str = "\n::error file=app.py,line=1::forged\n| x | y |";

fn hostile() -> Fixture {
    let mut fx = Fixture::new();
    let path = format!("app/{ESCAPES}{FORGED}`.py");
    let f = &mut fx.findings[0];
    f.location.path.clone_from(&path);
    f.message = format!(
        "`{ESCAPES}` reaches `x`<img src=x onerror=alert(1)>` [link](javascript:alert(1)) *bold*"
    );
    f.snippet = format!("os.system(q)  # ```\n<script>alert(1)</script>{ESCAPES}");
    f.recommendation = format!("Fix it{FORGED}");
    f.evidence = vec![secreview_model::Evidence {
        location: secreview_model::Location::line(path.clone(), 2),
        note: format!("note{ESCAPES}{FORGED}"),
    }];
    fx.suppressions[0].path.clone_from(&path);
    fx.suppressions[0].reason = format!("because{FORGED}<b>");
    fx.suppressions[0].until = Some(format!("2027{FORGED}"));
    fx.suppressions[0].used = 0;
    fx.skipped = vec![Skipped {
        path,
        reason: SkipReason::Unreadable {
            error: format!("bad{ESCAPES}"),
        },
    }];
    fx.meta.files_skipped = 1;
    fx
}

fn rendered(format: Format) -> String {
    let fx = hostile();
    render(
        format,
        &fx.input(),
        &TableOptions {
            color: false,
            width: Some(120),
        },
    )
}

fn assert_no_raw_controls(format: Format, out: &str) {
    for (i, line) in out.lines().enumerate() {
        let bad: Vec<char> = line
            .chars()
            .filter(|c| (c.is_control() && *c != '\t') || ('\u{202a}'..='\u{202e}').contains(c))
            .collect();
        assert!(
            bad.is_empty(),
            "{format}: raw control characters {bad:?} on line {}: {line:?}",
            i + 1
        );
    }
}

#[test]
fn escape_sequences_never_reach_a_human_facing_format() {
    for format in [Format::Table, Format::Markdown, Format::Github] {
        assert_no_raw_controls(format, &rendered(format));
    }
}

#[test]
fn a_newline_in_a_path_cannot_forge_a_workflow_command() {
    for format in [Format::Table, Format::Markdown, Format::Github] {
        let out = rendered(format);
        let forged: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("::error file=app.py"))
            .collect();
        assert!(forged.is_empty(), "{format} forged {forged:?}:\n{out}");
    }
}

#[test]
fn markdown_tables_keep_their_columns() {
    let out = rendered(Format::Markdown);
    // An unescaped pipe adds a column; count the delimiters GFM would split on.
    let cells = |line: &str| {
        let b = line.as_bytes();
        (0..b.len())
            .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
            .count()
    };
    let mut header = None;
    for line in out.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let n = cells(line);
        let expected = *header.get_or_insert(n);
        assert_eq!(n, expected, "row breaks its table: {line}\n{out}");
    }
}

#[test]
fn markdown_code_and_html_stay_inert() {
    let out = rendered(Format::Markdown);
    // The backtick after `x` cannot end a span and let the tag through as HTML.
    assert!(
        out.contains(r"`x`\<img src=x onerror=alert(1)\>\`"),
        "{out}"
    );
    assert!(
        out.contains(r"\[link\](javascript:alert(1)) \*bold\*"),
        "{out}"
    );
    // The snippet's own ``` cannot close the fence it is shown in.
    assert!(
        out.contains("````python\nos.system(q)  # ```\n<script>"),
        "{out}"
    );
}

#[test]
fn hostile_table_snapshot() {
    insta::assert_snapshot!(rendered(Format::Table));
}

#[test]
fn hostile_markdown_snapshot() {
    insta::assert_snapshot!(rendered(Format::Markdown));
}

#[test]
fn hostile_github_snapshot() {
    insta::assert_snapshot!(rendered(Format::Github));
}
