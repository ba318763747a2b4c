//! Secrets never leave the engine: not on a code finding's line in a code-only scan, not as a prefix left by
//! truncation, not in a suppression comment, a path or a route, and not as a hash in a fingerprint.

#[path = "../../../tests/support/fake.rs"]
mod fake;

use secreview_engine::{Engine, Kinds, ScanOutput, Settings};
use secreview_model::ChangedFile;
use secreview_rules::RuleSet;

fn engine() -> Engine {
    Engine::new(
        RuleSet::embedded().expect("embedded rules load"),
        Settings {
            today: "2026-11-24".into(),
            show_secrets: false,
        },
    )
    .expect("engine builds")
}

/// Every 8-character window of `secret` past the four characters a redaction shows.
fn leaked<'a>(secret: &'a str, text: &str) -> Option<&'a str> {
    (4..secret.len().saturating_sub(7))
        .map(|i| &secret[i..i + 8])
        .find(|w| text.contains(w))
}

fn everything(out: &ScanOutput) -> String {
    format!(
        "{}\n{}\n{}\n{:?}",
        serde_json::to_string(&out.findings).unwrap(),
        serde_json::to_string(&out.suppressions).unwrap(),
        serde_json::to_string(&out.routes).unwrap(),
        out.files_with_syntax_errors
    )
}

/// A Flask handler whose shell command carries a token; the token is cut by the 40-character excerpt of the
/// taint finding's detail (`"curl -H 'Authorization: token ghp_…`).
fn command_with_token(token: &str) -> String {
    format!(
        "import os\nfrom flask import request\n\n\ndef run():\n    q = request.args[\"q\"]\n    \
         os.system(\"curl -H 'Authorization: token {token}' \" + q)\n"
    )
}

#[test]
fn a_code_only_scan_redacts_a_token_on_the_finding_line() {
    let (_, tokens) = fake::expand_fakes("{{fake-checksum:ghp_:36}}");
    let file = ChangedFile::whole("app.py", command_with_token(&tokens[0]));
    let out = engine().scan(&[file], Kinds::CODE);
    assert!(
        out.findings.iter().any(|f| f.pack == "injection"),
        "the command injection is found: {:#?}",
        out.findings
    );
    assert!(
        out.findings.iter().all(|f| f.pack != "secrets"),
        "a code-only scan reports no secrets"
    );
    let all = everything(&out);
    assert_eq!(leaked(&tokens[0], &all), None, "{all}");
    assert!(all.contains("ghp_…(40)"), "{all}");
}

#[test]
fn fingerprints_do_not_depend_on_the_secret_value() {
    // Two tokens of one shape: a fingerprint that hashed the value would tell them apart, and so would let anyone
    // holding a baseline confirm a guessed token offline.
    let (_, tokens) = fake::expand_fakes("{{fake-checksum:ghp_:36}} {{fake-checksum:ghp_:36}}");
    let prints = |token: &str| -> Vec<(String, String)> {
        let text = format!("{}TOKEN = \"{token}\"\n", command_with_token(token));
        engine()
            .scan(&[ChangedFile::whole("app.py", text)], Kinds::ALL)
            .findings
            .into_iter()
            .map(|f| (f.rule_id, f.fingerprint.0))
            .collect()
    };
    let (a, b) = (prints(&tokens[0]), prints(&tokens[1]));
    assert!(a.iter().any(|(r, _)| r == "github-token"), "{a:?}");
    assert!(a.len() >= 3, "the code finding and both secrets: {a:?}");
    assert_eq!(a, b);
}

#[test]
fn two_secrets_of_one_shape_in_one_file_are_two_findings() {
    let (text, _) = fake::expand_fakes(
        "A = \"{{fake-checksum:ghp_:36}}\"\nB = \"{{fake-checksum:ghp_:36}}\"\n",
    );
    let out = engine().scan(&[ChangedFile::whole("settings.py", text)], Kinds::SECRETS);
    let prints: Vec<&str> = out
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    assert_eq!(prints.len(), 2, "{:#?}", out.findings);
    assert_ne!(prints[0], prints[1]);
}

#[test]
fn suppressions_paths_and_routes_are_redacted() {
    let (_, tokens) = fake::expand_fakes("{{fake-checksum:ghp_:36}}");
    let token = &tokens[0];
    let text = format!(
        "import os\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n\
         @app.route(\"/hook/{token}\")\ndef hook():\n    \
         # secreview: ignore[command-injection, {token}] rotated GH_PAT={token}\n    \
         os.system(request.args[\"q\"])\n    return \"ok\"\n"
    );
    let file = ChangedFile::whole(format!("hooks/GH_PAT={token}.py"), text);
    for kinds in [Kinds::ALL, Kinds::CODE] {
        let out = engine().scan(std::slice::from_ref(&file), kinds);
        assert!(!out.suppressions.is_empty(), "{kinds:?}: {out:#?}");
        assert!(!out.routes.is_empty(), "{kinds:?}: {out:#?}");
        let all = everything(&out);
        assert_eq!(leaked(token, &all), None, "{kinds:?}: {all}");
    }
}

#[test]
fn the_engine_redacts_text_it_did_not_scan() {
    let (_, tokens) = fake::expand_fakes("{{fake-checksum:ghp_:36}}");
    let e = engine();
    let shown = e.redact(&format!("https://example.invalid/{}/app.git", tokens[0]));
    assert_eq!(shown, "https://example.invalid/ghp_…(40)/app.git");
    assert_eq!(e.redact("src/app.py"), "src/app.py");
}

#[test]
fn a_token_recognised_in_one_file_is_hidden_where_another_quotes_it() {
    let (_, tokens) = fake::expand_fakes("{{fake::40:base64url}}");
    let token = &tokens[0];
    // Only the `.env` assignment tells a detector it is a secret; the shell script quotes it bare.
    let env = ChangedFile::whole(".env", format!("CLOUDFLARE_API_TOKEN={token}\n"));
    let script = ChangedFile::whole(
        "app.py",
        format!(
            "import os\nfrom flask import request\n\n\ndef run():\n    \
             os.system(\"deploy \" + request.args[\"q\"] + \" {token}\")\n"
        ),
    );
    let out = engine().scan(&[env, script], Kinds::ALL);
    assert!(
        out.findings.iter().any(|f| f.pack == "injection"),
        "{out:#?}"
    );
    let all = everything(&out);
    assert_eq!(leaked(token, &all), None, "{all}");
}
