//! No secret in any output, and no output a hostile branch can use against the reader.
//!
//! The property test builds one repository per state (a committed branch; staged and uncommitted changes) holding
//! the realistic fake values of every secrets detector (from `fixtures/rules/secrets`, expanded from the fixed
//! seed) in the places a secret can reach output: plain secrets files, the line of a code finding, a suppression
//! comment's reason and rule ids, file names (scanned and skipped), and the `origin` URL. Every mode (branch,
//! staged, worktree, range, pre-push through a real `git push`, `--all`), every format (stdout and files),
//! stderr and `routes` must then hold no 8-character piece of any secret beyond the prefix a redaction shows.

// Test code: the timing line is printed on purpose; `single_match_else` is for the shared support module.
#![allow(
    clippy::print_stderr,
    clippy::format_collect,
    clippy::single_match_else
)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/fake.rs"]
mod fake;
#[path = "support/repo.rs"]
#[allow(dead_code)]
mod repo;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use cli::secreview;

/// A fake value and where its hidden part starts: after the four characters a redaction shows, and after the
/// placeholder's literal prefix (`sk-ant-api03-` is public: rule docs quote it).
struct Secret {
    value: String,
    hidden_from: usize,
}

impl Secret {
    fn hidden(&self) -> &str {
        &self.value[self.hidden_from.min(self.value.len())..]
    }

    /// Every 8-byte piece of the hidden part.
    fn pieces(&self) -> impl Iterator<Item = &[u8]> {
        self.hidden().as_bytes().windows(8)
    }
}

/// The 8-byte pieces of every secret, so one pass over an output finds every leak (a `contains` per piece and
/// output would take minutes on these reports).
struct Pieces<'a>(std::collections::HashMap<&'a [u8], usize>);

impl<'a> Pieces<'a> {
    fn new(secrets: &'a [Secret]) -> Self {
        let mut map = std::collections::HashMap::new();
        for (i, s) in secrets.iter().enumerate() {
            for p in s.pieces() {
                map.entry(p).or_insert(i);
            }
        }
        Pieces(map)
    }

    /// (byte offset, secret index) of the first leaked piece of each secret found in `text`.
    fn leaks(&self, text: &str) -> Vec<(usize, usize)> {
        let mut seen = std::collections::BTreeMap::new();
        for (at, w) in text.as_bytes().windows(8).enumerate() {
            if let Some(&i) = self.0.get(w) {
                seen.entry(i).or_insert(at);
            }
        }
        seen.into_iter().map(|(i, at)| (at, i)).collect()
    }
}

/// The literal prefix length of each placeholder in `text`, in order (the order `expand_fakes` reports values).
fn placeholder_prefixes(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let next = ["{{fake:", "{{fake-checksum:", "{{fake-base64:"]
            .iter()
            .filter_map(|k| rest.find(k).map(|i| (i, k.len())))
            .min();
        let Some((at, kind)) = next else { break };
        let body = &rest[at + kind..];
        // An encoded value shows no literal prefix: the whole encoding is secret.
        let encoded = rest[at..].starts_with("{{fake-base64:");
        out.push(if encoded {
            0
        } else {
            body.find(':').unwrap_or(0)
        });
        // Skip the whole placeholder, so an inner `fake:` of an encoded one is not counted twice.
        rest = body.find("}}").map_or(body, |end| &body[end..]);
    }
    out
}

/// Every secrets fixture, expanded; the single-line positives (lines annotated `ruleid:` that hold a value); and
/// every generated value.
struct Corpus {
    files: Vec<(String, String)>,
    positives: Vec<(String, String)>,
    secrets: Vec<Secret>,
}

const SEPARATOR: &str = "\n\u{0}next fixture\u{0}\n";

fn corpus() -> Corpus {
    let dir = repo::workspace().join("fixtures/rules/secrets");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut c = Corpus {
        files: Vec::new(),
        positives: Vec::new(),
        secrets: Vec::new(),
    };
    // One expansion for all fixtures: `expand_fakes` seeds by placeholder index, so expanding each file alone
    // would give the Nth placeholder of every file the same random characters, and a public part of one
    // detector's input (a DSN's key id) would look like a piece of another detector's secret.
    let raws: Vec<String> = names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let (all_text, all_values) = fake::expand_fakes(&raws.join(SEPARATOR));
    let texts: Vec<&str> = all_text.split(SEPARATOR).collect();
    assert_eq!(texts.len(), raws.len());
    let mut next_value = all_values.into_iter();
    for ((path, raw), text) in names.iter().zip(&raws).zip(texts) {
        let prefixes = placeholder_prefixes(raw);
        let values: Vec<String> = next_value.by_ref().take(prefixes.len()).collect();
        let text = text.to_owned();
        let rule = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut after_annotation = false;
        for line in text.lines() {
            let t = line.trim_start();
            let is_ruleid = ["#", "//", "<!--"]
                .iter()
                .filter_map(|p| t.strip_prefix(p))
                .any(|b| b.trim_start().starts_with("ruleid:"));
            if is_ruleid {
                after_annotation = true;
                continue;
            }
            if after_annotation
                && values
                    .iter()
                    .any(|v| v.len() >= 8 && line.contains(v.as_str()))
            {
                c.positives.push((rule.clone(), line.trim().to_owned()));
            }
            after_annotation = false;
        }
        for (value, prefix) in values.into_iter().zip(prefixes) {
            c.secrets.push(Secret {
                value,
                hidden_from: prefix.max(4),
            });
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        c.files.push((name, text));
    }
    c
}

/// A Flask app whose every handler runs a shell command (a `shell-command-built` finding) on a line that also
/// carries one positive line in a trailing comment.
fn code_lines(positives: &[(String, String)]) -> String {
    let mut out =
        String::from("import os\nfrom flask import Flask, request\n\napp = Flask(__name__)\n");
    for (i, (_, line)) in positives.iter().enumerate() {
        let _ = write!(
            out,
            "\n\n@app.route(\"/run/{i}\")\ndef run_{i}():\n    q = request.args[\"q\"]\n    \
             os.system(\"run \" + q)  # {line}\n    return \"ok\"\n"
        );
    }
    out
}

/// Suppressions: a used one whose reason is the positive line, and an unused one naming it as a rule id (when it
/// fits between the brackets).
fn suppression_lines(positives: &[(String, String)]) -> String {
    let mut out = String::from("import os\nfrom flask import request\n");
    for (i, (_, line)) in positives.iter().enumerate() {
        let _ = write!(
            out,
            "\n\ndef sup_{i}():\n    q = request.args[\"q\"]\n    \
             # secreview: ignore[shell-command-built] reviewed {line}\n    os.system(\"run \" + q)\n"
        );
        if !line.contains([']', ',']) {
            let _ = writeln!(
                out,
                "    x_{i} = 1  # secreview: ignore[{line}] because {line}"
            );
        }
    }
    out
}

/// A handler with a route and a shell command, so its file's name shows in findings and in `routes`.
const NAMED_FILE: &str = "import os\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n\
@app.route(\"/named\")\ndef named():\n    os.system(request.args[\"q\"])\n    return \"ok\"\n";

/// Positive lines usable as file names (no `/`, short enough for one path component).
fn file_names(positives: &[(String, String)]) -> Vec<String> {
    positives
        .iter()
        .map(|(_, l)| l.clone())
        .filter(|l| !l.contains('/') && !l.contains('\0') && l.len() <= 200 && !l.starts_with('.'))
        .collect()
}

fn write_hostile_tree(dir: &Path, c: &Corpus) {
    let mut files: Vec<(String, String)> = c
        .files
        .iter()
        .map(|(name, text)| (format!("secrets/{name}"), text.clone()))
        .collect();
    files.push(("app/handlers.py".into(), code_lines(&c.positives)));
    files.push(("app/suppressed.py".into(), suppression_lines(&c.positives)));
    for (i, name) in file_names(&c.positives).iter().enumerate() {
        files.push((format!("names/{i}/{name}.py"), NAMED_FILE.into()));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    repo::write(dir, &refs);
    // Skipped files are listed by path: binaries named after secrets.
    for (i, name) in file_names(&c.positives).iter().enumerate() {
        let p = dir.join(format!("bin/{i}/{name}.bin"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"\0\x01\x02binary\0").unwrap();
    }
}

/// Tokens for the `origin` URL: in the userinfo, a path segment, the query and the fragment.
fn origin_url(extra: &mut Vec<Secret>) -> String {
    let (_, v) = fake::expand_fakes(
        "{{fake-checksum:ghp_:36}} {{fake-checksum:ghp_:36}} {{fake:glpat-:20:base64url}} {{fake-checksum:ghs_:36}}",
    );
    let url = format!(
        "https://deploy:{}@example.invalid/{}/app.git?private_token={}#{}",
        v[0], v[1], v[2], v[3]
    );
    extra.extend(v.into_iter().map(|value| Secret {
        hidden_from: 4,
        value,
    }));
    url
}

/// Everything one run printed or wrote: stdout, stderr and every output file.
struct Run {
    label: String,
    code: Option<i32>,
    text: String,
}

fn scan_everything(dir: &Path, label: &str, mode: &[&str], out_dir: &Path) -> Run {
    std::fs::create_dir_all(out_dir).unwrap();
    let formats = [
        "json",
        "sarif",
        "markdown",
        "github",
        "gitlab",
        "gitlab-secrets",
        "concise",
        "rdjson",
    ];
    let mut cmd = secreview();
    // The GitHub job summary gets the Markdown report (with its context lines) when annotations are asked for.
    let step_summary = out_dir.join("step-summary");
    cmd.arg("scan")
        .arg(dir)
        .args(mode)
        .args(["--format", "table"])
        .env("GITHUB_STEP_SUMMARY", &step_summary);
    for f in formats {
        cmd.arg("--output")
            .arg(format!("{f}={}", out_dir.join(f).display()));
    }
    let out = cmd.output().unwrap();
    let mut text = format!(
        "{}\n{}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for f in formats {
        text.push_str(&std::fs::read_to_string(out_dir.join(f)).unwrap_or_default());
    }
    text.push_str(&std::fs::read_to_string(&step_summary).unwrap_or_default());
    let routes = secreview()
        .arg("routes")
        .arg(dir)
        .args(mode)
        .output()
        .unwrap();
    text.push_str(&String::from_utf8_lossy(&routes.stdout));
    text.push_str(&String::from_utf8_lossy(&routes.stderr));
    assert_eq!(
        routes.status.code(),
        Some(0),
        "{label}: routes failed: {}",
        String::from_utf8_lossy(&routes.stderr)
    );
    Run {
        label: label.into(),
        code: out.status.code(),
        text,
    }
}

/// The values the tool recognises as secrets: `--show-secrets` (local triage) prints them in the messages.
fn recognised(dir: &Path) -> String {
    let out = secreview()
        .arg("scan")
        .arg(dir)
        .args(["--all", "--show-secrets", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["pack"] == "secrets")
        .map(|f| format!("{}\n", f["message"].as_str().unwrap()))
        .collect()
}

#[test]
fn no_secret_reaches_any_output_in_any_mode() {
    let c = corpus();
    let tmp = tempfile::tempdir().unwrap();
    let mut secrets: Vec<Secret> = Vec::new();
    let url = origin_url(&mut secrets);

    // Committed: `main` with a stub, `feature` adding everything.
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let r = repo::init(&work, &[("README.md", "stub\n")]);
    r.remote("origin", &url).unwrap();
    repo::branch(&r, "feature");
    write_hostile_tree(&work, &c);
    repo::commit_all(&r, "feature");

    // Calibrate: only what a detector recognises can be hidden. Every detector must recognise some of its values.
    let known = recognised(&work);
    let mut detected_rules = std::collections::BTreeSet::new();
    for (rule, line) in &c.positives {
        if c.secrets.iter().any(|s| {
            line.contains(s.value.as_str()) && s.hidden().len() >= 8 && known.contains(s.hidden())
        }) {
            detected_rules.insert(rule.clone());
        }
    }
    let all_rules: std::collections::BTreeSet<_> =
        c.positives.iter().map(|(r, _)| r.clone()).collect();
    let missing: Vec<_> = all_rules.difference(&detected_rules).collect();
    assert!(
        missing.is_empty(),
        "detectors with no recognised value: {missing:?}"
    );
    secrets.extend(
        c.secrets
            .into_iter()
            .filter(|s| s.hidden().len() >= 8 && known.contains(s.hidden())),
    );
    assert!(
        secrets.len() > 150,
        "only {} secrets recognised",
        secrets.len()
    );

    // Staged and uncommitted: the same tree on top of `main` in a second repository.
    let staged = tmp.path().join("staged");
    std::fs::create_dir(&staged).unwrap();
    let s = repo::init(&staged, &[("README.md", "stub\n")]);
    s.remote("origin", &url).unwrap();
    write_hostile_tree(&staged, &corpus());
    let mut index = s.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();

    let started = std::time::Instant::now();
    let outs = tmp.path().join("out");
    let mut runs = vec![
        scan_everything(&work, "branch", &["--base", "main"], &outs.join("branch")),
        scan_everything(
            &work,
            "range",
            &["--range", "main..feature"],
            &outs.join("range"),
        ),
        scan_everything(&work, "all", &["--all"], &outs.join("all")),
        scan_everything(&staged, "staged", &["--staged"], &outs.join("staged")),
        scan_everything(&staged, "worktree", &["--worktree"], &outs.join("worktree")),
    ];
    runs.push(pre_push(tmp.path(), &work));
    eprintln!(
        "{} secrets, {} positive lines, 6 modes in {:.1}s; outputs {} KB",
        secrets.len(),
        c.positives.len(),
        started.elapsed().as_secs_f64(),
        runs.iter().map(|r| r.text.len()).sum::<usize>() / 1024
    );

    let pieces = Pieces::new(&secrets);
    let mut failures = Vec::new();
    for run in &runs {
        if run.code != Some(1) {
            failures.push(format!(
                "{}: exit {:?}, expected 1:\n{}",
                run.label,
                run.code,
                tail(&run.text)
            ));
        }
        for (at, i) in pieces.leaks(&run.text) {
            let context: String = run.text[run.text.floor_char_boundary(at.saturating_sub(80))..]
                .chars()
                .take(200)
                .collect();
            failures.push(format!(
                "{}: a piece of `{}` in: {context:?}",
                run.label, secrets[i].value
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} leak(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Pushes `feature` to a bare remote through the installed hook; returns what git showed the pusher.
fn pre_push(tmp: &Path, work: &Path) -> Run {
    let bin_dir = assert_cmd::cargo::cargo_bin("secreview")
        .parent()
        .unwrap()
        .to_path_buf();
    let remote = tmp.join("remote.git");
    git2::Repository::init_bare(&remote).unwrap();
    let r = git2::Repository::open(work).unwrap();
    r.remote("backup", remote.to_str().unwrap()).unwrap();
    let install = secreview()
        .args(["hook", "install"])
        .current_dir(work)
        .output()
        .unwrap();
    assert_eq!(install.status.code(), Some(0));
    let push = std::process::Command::new("git")
        .args(["push", "backup", "feature"])
        .current_dir(work)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("NO_COLOR", "1")
        .env("SECREVIEW_TODAY", "2026-11-24")
        .env_remove("CI")
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&push.stdout),
        String::from_utf8_lossy(&push.stderr)
    );
    assert!(
        text.contains("shell-command-built"),
        "the hook ran the code rules: {text}"
    );
    Run {
        label: "pre-push".into(),
        // git exits 1 when the hook refuses the push.
        code: if push.status.success() {
            Some(0)
        } else {
            Some(1)
        },
        text,
    }
}

/// A file name holding a terminal escape sequence (clear screen, window title) and a newline that starts a
/// forged workflow command.
const EVIL_NAME: &str = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\n::error file=app.py,line=1::forged.py";

#[test]
fn hostile_file_names_cannot_drive_the_terminal_or_forge_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let r = repo::init(tmp.path(), &[("README.md", "stub\n")]);
    repo::branch(&r, "feature");
    repo::write(
        tmp.path(),
        &[(
            EVIL_NAME,
            "import os\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n\
             @app.route(\"/x\")\ndef x():\n    \
             os.system(request.args[\"q\"] + \"\u{1b}]8;;https://evil.example\u{1b}\\\\\")\n    return \"ok\"\n",
        )],
    );
    repo::commit_all(&r, "evil");
    let mut shown = Vec::new();
    for format in ["table", "markdown", "github"] {
        let out = secreview()
            .args(["scan", "--base", "main", "--format", format])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        shown.push((format, out.stdout, out.stderr));
    }
    let routes = secreview()
        .args(["routes", "--base", "main"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&routes.stdout).contains("evil"));
    shown.push(("routes", routes.stdout, routes.stderr));
    for (what, stdout, stderr) in &shown {
        for (stream, bytes) in [("stdout", stdout), ("stderr", stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{what} {stream} holds a raw escape sequence:\n{text}"
            );
            let forged: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("::error file=app.py"))
                .collect();
            assert!(forged.is_empty(), "{what} {stream} forged {forged:?}");
        }
        assert!(
            String::from_utf8_lossy(stdout).contains("\\x1b]0;pwned"),
            "{what} shows the escape, visibly"
        );
    }
    // Machine formats keep the exact name (their encoders escape it).
    let json = secreview()
        .args(["scan", "--base", "main", "--format", "json"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["findings"][0]["location"]["path"], EVIL_NAME);
}
