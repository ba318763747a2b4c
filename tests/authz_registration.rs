//! Guards and schemas declared away from the handler: Django URL configurations, django-ninja routers, DRF
//! settings defaults, Rust router composition, request schemas in another module. Each test checks that the
//! evidence names the file that declares the fact.

#![allow(clippy::single_match_else)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

/// The `routes` table of a fixture repository's branch, one line per row.
fn routes(fixture: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), fixture);
    let out = cli::secreview()
        .env("COLUMNS", "400")
        .args(["routes", "--base", "main"])
        .arg(tmp.path())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn row<'t>(table: &'t str, location: &str) -> &'t str {
    table
        .lines()
        .find(|l| l.contains(&format!(" {location} ")))
        .unwrap_or_else(|| panic!("no row at {location}: {table}"))
}

#[test]
fn django_url_configurations_and_ninja_routers_authenticate_their_views() {
    let t = routes("django-url-guards");
    assert!(
        row(&t, "journal/views.py:29").contains("auth: journal/urls.py:10"),
        "{t}"
    );
    assert!(
        row(&t, "journal/views.py:38").contains("auth: journal/urls.py:11"),
        "{t}"
    );
    let quota = row(&t, "backoffice/views.py:22");
    assert!(quota.contains("auth: backoffice/urls.py:14"), "{quota}");
    assert!(quota.contains("┆ yes  ┆ yes "), "staff is a role: {quota}");
    assert!(
        row(&t, "api/entries.py:29").contains("auth: api/api.py:8"),
        "{t}"
    );
    assert!(
        row(&t, "api/tags.py:29").contains("auth: api/tags.py:7"),
        "{t}"
    );
    assert!(row(&t, "journal/views.py:45").contains("┆ no "), "{t}");
    assert!(row(&t, "api/entries.py:37").contains("┆ no "), "{t}");
}

#[test]
fn drf_views_take_the_settings_default_permissions() {
    let t = routes("drf-settings-defaults");
    assert!(
        row(&t, "shop/views.py:30").contains("auth: config/settings/base.py:13"),
        "{t}"
    );
}

#[test]
fn rust_handlers_are_guarded_by_the_router_that_composes_theirs() {
    let t = routes("rust-router-guards");
    assert!(
        row(&t, "notes-api/src/notes.rs:25").contains("auth: notes-api/src/main.rs:11"),
        "{t}"
    );
    assert!(
        row(&t, "notes-web/src/notes.rs:20").contains("auth: notes-web/src/main.rs:20"),
        "{t}"
    );
    assert!(
        row(&t, "notes-api/src/notes.rs:32").contains("┆ no "),
        "{t}"
    );
    assert!(
        row(&t, "notes-web/src/notes.rs:28").contains("┆ no "),
        "{t}"
    );
}

#[test]
fn mass_assignment_points_at_the_schema_in_its_module() {
    let tmp = tempfile::tempdir().unwrap();
    repo::from_fixture(tmp.path(), "mass-assignment-layered");
    let (_, report) = cli::scan_branch_json(tmp.path());
    let evidence = |line: u64, path: &str| {
        let f = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "mass-assignment" && f["location"]["start_line"] == line)
            .unwrap_or_else(|| panic!("no mass assignment at {line}: {report:#}"));
        let paths: Vec<&str> = f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["location"]["path"].as_str().unwrap())
            .collect();
        assert!(paths.contains(&path), "{path}: {f:#}");
        assert!(f["message"].as_str().unwrap().contains("role"), "{f:#}");
    };
    evidence(23, "app/schemas.py");
    evidence(26, "accounts/serializers.py");
}
