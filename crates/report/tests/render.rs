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
            .ends_with("— never fails; 1 hidden by baseline, 1 suppressed inline, 2 below the 70% confidence floor (warning only), 4 policy changes"),
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
        // The GitHub annotations escape the message; the SAST report leaves secrets to `gitlab-secrets`.
        if ![Format::Github, Format::Gitlab].contains(&format) {
            assert!(out.contains("ghp_…(40)"), "{format} lost the redacted form");
        }
    }
}

#[test]
fn markdown_fills_the_exploit_scenario() {
    let out = rendered(Format::Markdown);
    // `{detail}` would repeat the description word for word: it is left out.
    assert!(out.contains(
        "A logged-in user changes the id in the URL handled at app/routes.py:42 and reads another customer's order."
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
    // Most severe first: token (critical), routes and db (high); the four policy changes (warnings); fetch (high,
    // warning only) and crypto (medium); debug (low) and cors (info); then the two suppressed findings (notices).
    assert_eq!(
        levels,
        [
            "error", "error", "error", "warning", "warning", "warning", "warning", "warning",
            "warning", "notice", "notice", "notice", "notice"
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
    // The token goes to the Secret Detection report.
    assert_eq!(vulns.len(), 6);
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

/// Findings kept from the list by the baseline, inline suppressions, `--hide-below` or under the confidence
/// floor are counted in the summary line, the Markdown summary and the JSON summary.
#[test]
fn hidden_findings_are_counted_in_every_summary() {
    let fx = Fixture::new();
    let mut input = fx.input();
    input.hidden_below = Some(secreview_report::HiddenBelow {
        floor: secreview_model::Severity::Medium,
        count: 3,
    });
    let table = render(Format::Table, &input, &plain());
    assert!(
        table.contains("1 hidden by baseline, 1 suppressed inline, 3 below medium hidden, 2 below the 70% confidence floor (warning only)"),
        "{table}"
    );
    let md = render(Format::Markdown, &input, &plain());
    assert!(
        md.contains("Also found: 1 hidden by baseline, 1 suppressed inline, 3 below medium hidden"),
        "{md}"
    );
    let gh = render(Format::Github, &input, &plain());
    assert!(gh.contains("1 hidden by baseline"), "{gh}");
    let json: serde_json::Value =
        serde_json::from_str(&render(Format::Json, &input, &plain())).unwrap();
    assert_eq!(
        json["summary"]["hidden"],
        serde_json::json!({"baseline": 1, "inline": 1, "below_confidence": 2, "below_severity": 3})
    );
}

/// A finding made in an earlier commit of a range names that commit in every human-facing format.
#[test]
fn a_finding_from_an_earlier_commit_names_it_everywhere() {
    for format in [
        Format::Table,
        Format::Markdown,
        Format::Github,
        Format::Concise,
    ] {
        let out = rendered(format);
        let said = out.contains("in commit c0ffee5") || out.contains("in commit `c0ffee5`");
        assert!(said, "{format}:\n{out}");
    }
    let secrets: serde_json::Value =
        serde_json::from_str(&rendered(Format::GitlabSecrets)).unwrap();
    let v = &secrets["vulnerabilities"][0];
    assert!(
        v["description"]
            .as_str()
            .unwrap()
            .contains("in commit c0ffee5"),
        "{v}"
    );
    assert_eq!(
        v["location"]["commit"]["sha"],
        "c0ffee5e1f2a3b4c5d6e7f8091a2b3c4d5e6f708"
    );
}

/// Markdown: locations are links (relative, or on the web host), code has context, no sentence repeats.
#[test]
fn markdown_links_locations_and_shows_context() {
    let out = rendered(Format::Markdown);
    assert!(
        out.contains("- **Location:** [`app/db.py:12`](app/db.py#L12)"),
        "{out}"
    );
    assert!(out.contains("**Code** (lines 9–13 of `app/db.py`, the finding on line 12)"));
    assert!(out.contains(
        "    sql = f\"SELECT * FROM users WHERE name = '{name}'\"\n    cursor.execute(sql)\n"
    ));
    let fx = Fixture::new();
    let mut input = fx.input();
    input.web_url =
        Some("https://github.com/acme/shop/blob/a9b8c7d6e5f4031201a9b8c7d6e5f4031201a9b8/");
    let out = render(Format::Markdown, &input, &plain());
    assert!(out.contains(
        "[`app/db.py:12`](https://github.com/acme/shop/blob/a9b8c7d6e5f4031201a9b8c7d6e5f4031201a9b8/app/db.py#L12)"
    ));
    // The token from an earlier commit links that commit's tree.
    assert!(out.contains(
        "(https://github.com/acme/shop/blob/c0ffee5e1f2a3b4c5d6e7f8091a2b3c4d5e6f708/config/settings.py#L3) in commit `c0ffee5`"
    ));
    for section in out.split("\n### ").skip(1) {
        let description = section
            .split("**Description**\n\n")
            .nth(1)
            .and_then(|s| s.split("\n\n").next())
            .unwrap_or("");
        if let Some(exploit) = section
            .split("**Exploit scenario**\n\n")
            .nth(1)
            .and_then(|s| s.split("\n\n").next())
        {
            assert!(
                !exploit.contains(description.trim_end_matches('.')),
                "repeated: {section}"
            );
        }
    }
}

/// `--format concise`: `path:line:col: severity rule-id message`, one line per finding and nothing else.
#[test]
fn concise_is_one_parsable_line_per_finding() {
    let out = rendered(Format::Concise);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(
        lines[1],
        "app/db.py:12:5: high sql-string-built User-controlled data reaches a SQL statement through string building"
    );
    assert!(lines[3].starts_with("app/fetch.py:20:16: high (warn) request-url-from-input "));
    for l in lines {
        let mut parts = l.splitn(4, ':');
        let (_, line, col) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        assert!(
            line.parse::<u32>().is_ok() && col.parse::<u32>().is_ok(),
            "{l}"
        );
    }
}

/// reviewdog's rdjson: every finding with a range, a severity and the rule as its code.
#[test]
fn rdjson_is_a_reviewdog_diagnostic_result() {
    let v: serde_json::Value = serde_json::from_str(&rendered(Format::Rdjson)).unwrap();
    assert_eq!(v["source"]["name"], "secreview");
    let d = v["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 7);
    assert_eq!(d[1]["location"]["path"], "app/db.py");
    assert_eq!(
        d[1]["location"]["range"]["start"],
        serde_json::json!({"line": 12, "column": 5})
    );
    assert_eq!(d[1]["severity"], "ERROR");
    assert_eq!(d[1]["code"]["value"], "sql-string-built");
    assert_eq!(
        d[1]["code"]["url"],
        "https://cwe.mitre.org/data/definitions/89.html"
    );
    assert_eq!(d[3]["severity"], "WARNING", "warning only");
}

/// GitLab: secrets go to the Secret Detection report, everything else to SAST; each has a tracking signature.
#[test]
fn gitlab_reports_split_secrets_and_track_fingerprints() {
    let sast: serde_json::Value = serde_json::from_str(&rendered(Format::Gitlab)).unwrap();
    let secrets: serde_json::Value =
        serde_json::from_str(&rendered(Format::GitlabSecrets)).unwrap();
    assert_eq!(secrets["scan"]["type"], "secret_detection");
    let s = secrets["vulnerabilities"].as_array().unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["identifiers"][0]["value"], "github-pat");
    for v in sast["vulnerabilities"].as_array().unwrap().iter().chain(s) {
        let item = &v["tracking"]["items"][0];
        assert_eq!(v["tracking"]["type"], "source");
        assert_eq!(item["signatures"][0]["algorithm"], "hash");
        assert_eq!(item["signatures"][0]["value"], v["id"], "the fingerprint");
        assert_eq!(item["file"], v["location"]["file"]);
        assert_ne!(v["identifiers"][0]["value"], serde_json::json!(null));
    }
    assert!(
        sast["scan"]["analyzer"].get("url").is_none(),
        "no example.invalid link"
    );
}

/// GitHub shows 10 annotations per kind and step: the most severe go first, the rest are plain log lines
/// counted by one notice.
#[test]
fn github_annotations_respect_the_per_step_caps() {
    let mut fx = Fixture::new();
    let template = fx.findings[1].clone(); // sql-string-built, high
    let mut low = fx.findings[2].clone(); // flask-debug-enabled, low
    for i in 0..15 {
        let mut f = template.clone();
        f.location.start_line = 100 + i;
        f.location.end_line = 100 + i;
        fx.findings.push(f);
        low.location.start_line = 200 + i;
        low.location.end_line = 200 + i;
        fx.findings.push(low.clone());
    }
    fx.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let out = render(Format::Github, &fx.input(), &plain());
    let count = |kind: &str| {
        out.lines()
            .filter(|l| l.starts_with(&format!("::{kind} ")))
            .count()
    };
    assert_eq!(count("error"), 10);
    assert_eq!(
        count("warning"),
        6,
        "4 policy changes, 2 medium or warning-only findings"
    );
    assert_eq!(
        count("notice"),
        10,
        "9 annotations and the one counting the rest"
    );
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("::error file=config/settings.py"),
        "critical first: {first}"
    );
    assert!(
        out.contains("::notice title=secreview%3A 18 not annotated::"),
        "{out}"
    );
    let plain_lines = out
        .lines()
        .filter(|l| l.starts_with("secreview: high app/db.py:"))
        .count();
    assert_eq!(
        plain_lines, 8,
        "the high findings past the cap are still in the log"
    );
}
