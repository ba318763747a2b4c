//! The secrets pack on real repository paths, which the fixture harness (one flat virtual path per fixture) cannot
//! show: packaging manifests, test directories, and encoded values in Kubernetes manifests — scanned as a branch of
//! a real git repository through the real binary.

// `single_match_else` is for the shared support module.
#![allow(clippy::single_match_else)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

use serde_json::Value;

use cli::secreview;

/// A secrets finding: rule id, path, line, confidence, snippet, and whether it blocks the run.
struct Found {
    rule: String,
    path: String,
    line: u64,
    confidence: f64,
    severity: String,
    snippet: String,
}

/// The secrets findings of a branch that adds `files` (placeholders expanded) on top of an empty `main`, and the
/// full report text.
fn scan_branch(files: &[(&str, &str)]) -> (Vec<Found>, String, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo::init(tmp.path(), &[("README.md", "base\n")]);
    repo::branch(&repo, "feature");
    let mut values = Vec::new();
    let expanded: Vec<(String, String)> = files
        .iter()
        .map(|(p, t)| {
            let (text, v) = fake::expand_fakes(t);
            values.extend(v);
            ((*p).to_owned(), text)
        })
        .collect();
    let refs: Vec<(&str, &str)> = expanded
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    repo::write(tmp.path(), &refs);
    repo::commit_all(&repo, "change");
    let out = secreview()
        .args([
            "scan",
            "--base",
            "main",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(["--min-confidence", "0"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: Value = serde_json::from_str(&text).unwrap();
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["pack"] == "secrets")
        .map(|f| Found {
            rule: f["rule_id"].as_str().unwrap().to_owned(),
            path: f["location"]["path"].as_str().unwrap().to_owned(),
            line: f["location"]["start_line"].as_u64().unwrap(),
            confidence: f["confidence"].as_f64().unwrap(),
            severity: f["severity"].as_str().unwrap().to_owned(),
            snippet: f["snippet"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    (found, text, values)
}

const PYPROJECT: &str = r#"[project]
name = "acme-auth"
version = "1.4.2"
dependencies = ["requests>=2.31", "secretstorage>=3.3"]

[project.entry-points."acme.plugins"]
ldap_auth = "acme_auth.backends.ldap:LdapAuth"
token_auth = "acme_auth.backends.token:TokenAuth"
oauth_token_refresh = "acme_auth.tasks:refresh_tokens"

[project.scripts]
acme-auth = "acme_auth.cli:main"

[tool.acme]
plugin_auth = "{{fake::24}}"
api_token = "{{fake::40}}"
"#;

#[test]
fn packaging_entry_points_are_not_secrets_but_credential_keys_are() {
    let (found, _, _) = scan_branch(&[
        ("pyproject.toml", PYPROJECT),
        (
            "package.json",
            "{\n  \"name\": \"web\",\n  \"scripts\": {\n    \"auth:token\": \"node scripts/refresh-token.js --auth=keyring-backend-x\"\n  }\n}\n",
        ),
    ]);
    let generic: Vec<(&str, u64)> = found
        .iter()
        .filter(|f| f.rule == "generic-secret-assignment")
        .map(|f| (f.path.as_str(), f.line))
        .collect();
    // Only `api_token` (line 16): entry points, scripts and `plugin_auth` (a purpose, not a credential) stay silent.
    assert_eq!(generic, vec![("pyproject.toml", 16)], "{generic:?}");
}

#[test]
fn provider_token_in_a_test_file_keeps_its_confidence_and_generic_ones_do_not() {
    let (found, _, _) = scan_branch(&[
        (
            "scripts/notify_test.py",
            "SLACK = \"xoxb-{{fake::12:digits}}-{{fake::13:digits}}-{{fake::24}}\"\n\
             api_secret = \"{{fake::40}}\"\n\
             DB = \"postgres://app:{{fake::20}}@db.internal:5432/app\"\n",
        ),
        (
            "app/notify.py",
            "api_secret = \"{{fake::40}}\"\nDB = \"postgres://app:{{fake::20}}@db.internal:5432/app\"\n",
        ),
    ]);
    let get = |rule: &str, path: &str| {
        found
            .iter()
            .find(|f| f.rule == rule && f.path == path)
            .map(|f| f.confidence)
    };
    let slack = get("slack-token", "scripts/notify_test.py").expect("slack token found");
    assert!(
        slack >= 0.9,
        "a structurally valid bot token blocks in a test file too: {slack}"
    );
    let generic_test = get("generic-secret-assignment", "scripts/notify_test.py").unwrap();
    let generic_app = get("generic-secret-assignment", "app/notify.py").unwrap();
    assert!(
        generic_test < generic_app,
        "{generic_test} vs {generic_app}"
    );
    assert!(
        generic_test < 0.7,
        "generic findings in tests stay below the blocking confidence"
    );
    // ... and at most low severity, while the provider token keeps its own.
    let severity = |rule: &str, path: &str| {
        found
            .iter()
            .find(|f| f.rule == rule && f.path == path)
            .map(|f| f.severity.as_str())
    };
    assert_eq!(
        severity("generic-secret-assignment", "scripts/notify_test.py"),
        Some("low")
    );
    assert_eq!(
        severity("generic-secret-assignment", "app/notify.py"),
        Some("high")
    );
    assert_ne!(
        severity("slack-token", "scripts/notify_test.py"),
        Some("low")
    );
    // A URL with a password has no issuer's format to verify: discounted in tests like a generic finding.
    let url_test = get("credentials-in-url", "scripts/notify_test.py").unwrap();
    let url_app = get("credentials-in-url", "app/notify.py").unwrap();
    assert!(url_test < url_app, "{url_test} vs {url_app}");
}

#[test]
fn token_base64_encoded_in_a_kubernetes_secret_is_found_at_the_encoded_value_and_never_printed() {
    let manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ntype: Opaque\ndata:\n  \
                    GH_TOKEN: {{fake-base64:fake-checksum:ghp_:36}}\n  HOST: Z2l0aHViLmNvbQ==\n";
    let (found, text, values) = scan_branch(&[("deploy/secret.yaml", manifest)]);
    let hit = found
        .iter()
        .find(|f| f.rule == "github-token")
        .expect("the encoded token is found");
    assert_eq!((hit.path.as_str(), hit.line), ("deploy/secret.yaml", 7));
    assert!(hit.confidence >= 0.9, "{}", hit.confidence);
    assert_eq!(found.len(), 1, "the host name decodes to no token");
    let encoded = &values[0];
    assert!(!text.contains(encoded.as_str()));
    assert!(
        !text.contains(&encoded[4..20]),
        "no piece of the encoded value is printed"
    );
    assert!(hit.snippet.starts_with("GH_TOKEN: "), "{}", hit.snippet);
}

#[test]
fn django_secret_key_is_found_but_a_module_path_setting_is_not() {
    let (found, _, _) = scan_branch(&[(
        "config/settings.py",
        "SECRET_KEY = \"{{fake::43:base64url}}\"\n\
         AUTHENTICATION_BACKEND_TOKEN = \"accounts.backends:TokenBackend\"\n\
         SESSION_SERIALIZER_SECRET = \"django.core.signing.JSONSerializer\"\n",
    )]);
    let lines: Vec<u64> = found.iter().map(|f| f.line).collect();
    assert_eq!(
        lines,
        vec![1],
        "{:?}",
        found.iter().map(|f| &f.rule).collect::<Vec<_>>()
    );
}

#[test]
fn an_access_key_id_in_a_links_query_is_published_with_the_page_so_it_does_not_block() {
    let (found, report, _) = scan_branch(&[
        (
            "site/recipe.html",
            "<a href=\"https://shop.example/dp/B0?psc=1&amp;SubscriptionId={{fake:AKIA:16:base32}}&amp;tag=x\">knife</a>\n",
        ),
        (
            "site/reviews.html",
            "<script>window.__data = {\"link\":\"https:\\u002F\\u002Fshop.example\\u002Fdp?psc=1\\u0026SubscriptionId={{fake:AKIA:16:base32}}\\u0026tag=x\"}</script>\n",
        ),
        (
            "deploy/aws.env",
            "aws_access_key_id = {{fake:AKIA:16:base32}}\n",
        ),
    ]);
    let get = |path: &str| {
        found
            .iter()
            .find(|f| f.rule == "aws-access-key" && f.path == path)
            .unwrap_or_else(|| panic!("aws-access-key in {path}: {report}"))
    };
    for page in ["site/recipe.html", "site/reviews.html"] {
        let link = get(page);
        assert_eq!(link.severity, "low", "{page}");
        assert!(link.confidence < 0.7, "{page}: {}", link.confidence);
    }
    // The same key ID in a configuration file is a leak, as before.
    let env = get("deploy/aws.env");
    assert_eq!(env.severity, "critical");
    assert!(env.confidence >= 0.9, "{}", env.confidence);
}

#[test]
fn a_translation_catalogue_names_interface_strings_not_credentials() {
    let (found, report, _) = scan_branch(&[
        (
            "frontend/lang/messages/es-ES.json",
            "{\"user\": {\"password\": \"Contraseña\", \"change-password\": \"パスワードの変更\"},\n \
             \"deploy\": \"ghp_{{fake::36}}\"}\n",
        ),
        (
            "app/settings.json",
            "{\"password\": \"Zq8r2LmP0vXw7KcT\"}\n",
        ),
    ]);
    let rules_in = |path: &str| -> Vec<&str> {
        found
            .iter()
            .filter(|f| f.path == path)
            .map(|f| f.rule.as_str())
            .collect()
    };
    // A provider token is a leak wherever it is; a key's name alone says nothing in a catalogue.
    assert_eq!(
        rules_in("frontend/lang/messages/es-ES.json"),
        vec!["github-token"],
        "{report}"
    );
    assert!(
        rules_in("app/settings.json").contains(&"hardcoded-password"),
        "{report}"
    );
}
