//! Snapshot tests: every format rendered from one fixed scan, plus the behaviours each format promises.

mod fixture;

use fixture::Fixture;
use secreview_model::Severity;
use secreview_report::{Format, TableOptions, escape_data, escape_property, render};

fn plain() -> TableOptions {
    TableOptions {
        color: false,
        width: Some(120),
    }
}

fn rendered(format: Format) -> String {
    render(format, &Fixture::new().input(), &plain())
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(rendered(Format::Table));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(rendered(Format::Json));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!(rendered(Format::Sarif));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(rendered(Format::Markdown));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!(rendered(Format::Github));
}

#[test]
fn gitlab_snapshot() {
    insta::assert_snapshot!(rendered(Format::Gitlab));
}

#[test]
fn clean_scan_table_says_nothing_found() {
    let fx = Fixture::clean();
    let out = render(Format::Table, &fx.input(), &plain());
    insta::assert_snapshot!(out);
    assert_eq!(out, "nothing found in 9 files scanned\n");
}

#[test]
fn clean_scan_markdown_says_so() {
    let fx = Fixture::clean();
    let out = render(Format::Markdown, &fx.input(), &plain());
    insta::assert_snapshot!(out);
    assert!(out.contains("**No findings.**"));
}

#[test]
fn clean_scan_machine_formats_stay_well_formed() {
    let fx = Fixture::clean();
    for format in [Format::Json, Format::Sarif, Format::Gitlab] {
        let out = render(format, &fx.input(), &plain());
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(v.is_object(), "{format}");
    }
    let gh = render(Format::Github, &fx.input(), &plain());
    assert_eq!(gh, "secreview: nothing found in 9 files scanned\n");
}

#[test]
fn every_format_ends_with_one_newline_and_no_trailing_spaces() {
    for format in Format::ALL {
        let out = rendered(format);
        assert!(out.ends_with('\n') && !out.ends_with("\n\n"), "{format}");
        for line in out.lines() {
            assert_eq!(
                line,
                line.trim_end(),
                "{format}: trailing whitespace in {line:?}"
            );
        }
    }
}

#[test]
fn table_colours_only_when_asked() {
    let fx = Fixture::new();
    let plain_out = render(Format::Table, &fx.input(), &plain());
    assert!(!plain_out.contains('\u{1b}'));
    let coloured = render(
        Format::Table,
        &fx.input(),
        &TableOptions {
            color: true,
            width: Some(120),
        },
    );
    assert!(coloured.contains('\u{1b}'));
}

#[test]
fn table_fits_the_width_it_is_given() {
    let fx = Fixture::new();
    for width in [80u16, 120] {
        let out = render(
            Format::Table,
            &fx.input(),
            &TableOptions {
                color: false,
                width: Some(width),
            },
        );
        let table_lines = out.lines().take_while(|l| !l.is_empty());
        for line in table_lines {
            assert!(
                line.chars().count() <= usize::from(width),
                "{width}: {line:?}"
            );
        }
    }
}

#[test]
fn table_marks_warning_only_and_states_the_gate() {
    let out = rendered(Format::Table);
    assert!(out.contains("high (warn)"));
    assert!(out.contains(
        "7 findings (1 critical, 3 high, 1 medium, 1 low, 1 info) in 9 files scanned, 2 skipped — fails on high (3 blocking, 1 warning only)"
    ));
}

#[test]
fn summary_without_a_gate_never_fails() {
    let fx = Fixture::new();
    let mut input = fx.input();
    input.fail_on = None;
    let out = render(Format::Table, &input, &plain());
    assert!(
        out.trim_end()
            .ends_with("— never fails; 2 suppressed, 4 policy changes"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&render(Format::Json, &input, &plain())).unwrap();
    assert_eq!(json["summary"]["gate"], "pass");
    assert_eq!(json["summary"]["blocking"], 0);
}

#[test]
fn json_has_schema_summary_and_owasp_objects() {
    let v: serde_json::Value = serde_json::from_str(&rendered(Format::Json)).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["tool"]["version"], "0.0.0-test");
    assert_eq!(v["scan"]["mode"], "branch");
    assert_eq!(v["scan"]["settings"]["fail_on"], "high");
    assert_eq!(v["scan"]["skipped"][0]["reason"], "binary");
    assert_eq!(v["summary"]["total"], 7);
    assert_eq!(v["summary"]["by_severity"]["high"], 3);
    assert_eq!(v["summary"]["by_owasp2021"]["A01:2021"], 1);
    assert_eq!(v["summary"]["gate"], "fail");
    assert_eq!(v["findings"][1]["owasp2021"]["id"], "A03");
    assert_eq!(v["findings"][1]["confidence"], 0.8);
    assert_eq!(v["suppressions"].as_array().map(Vec::len), Some(3));
}

#[test]
fn secrets_stay_redacted_in_every_format() {
    for format in Format::ALL {
        let out = rendered(format);
        assert!(!out.contains("a1B2a1B2"), "{format} leaks the secret");
        if format != Format::Github {
            assert!(out.contains("ghp_…(40)"), "{format} lost the redacted form");
        }
    }
}

#[test]
fn markdown_fills_the_exploit_scenario() {
    let out = rendered(Format::Markdown);
    assert!(out.contains(
        "A logged-in user changes the id in the URL handled at app/routes.py:42 and reads another customer's order \
         (GET /orders/{order_id} loads an order by id and returns it without comparing its owner to the current user)."
    ));
    assert!(!out.contains("{path}") && !out.contains("{line}") && !out.contains("{detail}"));
    assert!(out.contains("```python\nGITHUB_TOKEN = \"ghp_…(40)\"\n```"));
    assert!(out.contains("**unused**"));
    assert!(out.contains("**expired**"));
}

#[test]
fn github_annotations_use_levels_by_severity() {
    let out = rendered(Format::Github);
    let levels: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("::"))
        .filter_map(|l| l.split(' ').next())
        .collect();
    // crypto (medium), db (high), debug (low), fetch (high, warning only), routes (high), cors (info), token
    // (critical); then the four policy changes (warnings) and the two suppressed findings (notices).
    assert_eq!(
        levels,
        [
            "warning", "error", "notice", "warning", "error", "notice", "error", "warning",
            "warning", "warning", "warning", "notice", "notice"
        ]
    );
    assert!(out.contains(
        "::error file=config/settings.py,line=3,endLine=3,col=16,title=github-pat (critical)::"
    ));
    assert!(
        out.lines()
            .last()
            .is_some_and(|l| l.starts_with("secreview: 7 findings"))
    );
}

#[test]
fn github_escaping_follows_the_workflow_command_rules() {
    assert_eq!(escape_data("100% sure\r\nnext"), "100%25 sure%0D%0Anext");
    assert_eq!(escape_data("a:b,c"), "a:b,c");
    assert_eq!(escape_property("dir,x/a:b%.py\n"), "dir%2Cx/a%3Ab%25.py%0A");
    // `%` is escaped first, so an escape sequence already in the text is not decoded by the runner.
    assert_eq!(escape_data("%0A"), "%250A");
}

#[test]
fn gitlab_report_has_the_v15_shape() {
    let v: serde_json::Value = serde_json::from_str(&rendered(Format::Gitlab)).unwrap();
    assert_eq!(v["version"], "15.0.0");
    assert_eq!(v["scan"]["type"], "sast");
    assert_eq!(v["scan"]["start_time"], "2025-01-02T03:04:05");
    let vulns = v["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 7);
    let authz = &vulns[4];
    assert_eq!(authz["severity"], "High");
    assert_eq!(authz["location"]["start_line"], 42);
    assert_eq!(authz["identifiers"][0]["type"], "secreview_rule_id");
    assert_eq!(authz["identifiers"][1]["value"], "639");
    assert!(authz.get("category").is_none() && authz.get("confidence").is_none());

    let fx = Fixture::new();
    let mut input = fx.input();
    input.started_at = None;
    input.finished_at = None;
    let v: serde_json::Value =
        serde_json::from_str(&render(Format::Gitlab, &input, &plain())).unwrap();
    assert_eq!(v["scan"]["start_time"], "1970-01-01T00:00:00");
    assert_eq!(v["scan"]["end_time"], "1970-01-01T00:00:00");
}

#[test]
fn gate_counts_ignore_warning_only_findings() {
    let fx = Fixture::new();
    let input = fx.input();
    assert_eq!(input.blocking_count(), 3);
    let mut lenient = fx.input();
    lenient.fail_on = Some(Severity::Critical);
    assert_eq!(lenient.blocking_count(), 1);
}

#[test]
fn table_keeps_rule_ids_and_paths_whole() {
    let fx = Fixture::new();
    let at = |width: u16| {
        render(
            Format::Table,
            &fx.input(),
            &TableOptions {
                color: false,
                width: Some(width),
            },
        )
    };
    let wide = at(160);
    assert!(wide.contains(" Rule ") && wide.contains(" Location "));
    let default = at(120);
    assert!(default.contains("Rule / Location"));
    for out in [wide, default] {
        assert!(out.contains("route-missing-ownership-check"));
        assert!(out.contains("config/settings.py:3"));
    }
}

#[test]
fn table_lists_only_the_first_skipped_files() {
    let mut fx = Fixture::clean();
    fx.skipped = (0..25)
        .map(|i| secreview_model::Skipped {
            path: format!("assets/img{i:02}.png"),
            reason: secreview_model::SkipReason::Binary,
        })
        .collect();
    fx.meta.files_skipped = 25;
    let out = render(Format::Table, &fx.input(), &plain());
    assert_eq!(
        out.lines().filter(|l| l.starts_with("skipped ")).count(),
        10
    );
    assert!(out.contains("… and 15 more skipped files"));
    assert!(out.ends_with("nothing found in 9 files scanned, 25 skipped\n"));
}
