use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use secreview_syntax::Lang;
use serde::de::DeserializeOwned;

use crate::RuleError;
use crate::compile::{CompiledRule, compile};
use crate::data::{AuthzNames, SecretsAllowlist, TaintTable};
use crate::schema::RawRule;

/// The repository's `rules/` directory, embedded at build time.
pub static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../rules");

/// Every loaded rule plus the packs' shared data.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<CompiledRule>,
    pub secrets: SecretsAllowlist,
    pub taint_python: TaintTable,
    pub taint_rust: TaintTable,
    pub authz: AuthzNames,
}

/// The embedded rule and data files as `(relative path, text)`, sorted by path.
pub fn embedded_files() -> Vec<(String, &'static str)> {
    fn collect(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static str)>) {
        for f in dir.files() {
            if let (Some(text), Some(p)) = (f.contents_utf8(), f.path().to_str()) {
                out.push((p.replace('\\', "/"), text));
            }
        }
        for d in dir.dirs() {
            collect(d, out);
        }
    }
    let mut out = Vec::new();
    collect(&EMBEDDED, &mut out);
    out.retain(|(p, _)| {
        Path::new(p)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    });
    out.sort();
    out
}

/// One rule file, parsed and compiled; pack data files are merged in order, so they stay text until then.
enum Parsed {
    Rule(Box<CompiledRule>),
    Data {
        source: String,
        pack: String,
        name: String,
        text: String,
    },
}

/// Parses a rule file (or sets a data file aside) without touching a set, so files can be parsed in parallel.
fn parse_file(source: &str, rel: &str, text: &str, eager: bool) -> Result<Parsed, RuleError> {
    let (folder, name) = match rel.rsplit_once('/') {
        Some((dir, name)) => (dir.rsplit('/').next(), name),
        None => (None, rel),
    };
    let stem = name.strip_suffix(".toml").unwrap_or(name);
    if let Some(data) = stem.strip_prefix('_') {
        return Ok(Parsed::Data {
            source: source.to_owned(),
            pack: folder.unwrap_or("").to_owned(),
            name: data.to_owned(),
            text: text.to_owned(),
        });
    }
    let raw: RawRule = parse_toml(source, text)?;
    if let Some(folder) = folder
        && folder != raw.pack
    {
        return Err(RuleError::Invalid {
            file: source.to_owned(),
            id: raw.id,
            message: format!("`pack = \"{}\"` must equal its folder `{folder}`", raw.pack),
        });
    }
    Ok(Parsed::Rule(Box::new(compile(
        raw,
        source,
        Some(stem),
        eager,
    )?)))
}

/// The embedded files parsed on two threads: TOML parsing is most of the start-up of an empty scan. The
/// results keep the files' sorted order, so data files merge and duplicates are reported as before.
fn parse_embedded() -> Vec<Result<Parsed, RuleError>> {
    let files = embedded_files();
    let parse =
        |(path, text): &(String, &str)| parse_file(&format!("rules/{path}"), path, text, false);
    let (evens, odds): (Vec<_>, Vec<_>) = std::thread::scope(|s| {
        let odds = s.spawn(|| {
            files
                .iter()
                .skip(1)
                .step_by(2)
                .map(parse)
                .collect::<Vec<_>>()
        });
        let evens: Vec<_> = files.iter().step_by(2).map(parse).collect();
        // A panic in the other half must not drop its rules silently: it goes on here.
        (
            evens,
            odds.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    });
    let mut out = Vec::with_capacity(files.len());
    let mut odds = odds.into_iter();
    for even in evens {
        out.push(even);
        out.extend(odds.next());
    }
    out
}

impl RuleSet {
    /// The embedded packs plus every `*.toml` under each of `user_dirs`.
    pub fn load(user_dirs: &[PathBuf]) -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for parsed in parse_embedded() {
            set.apply(parsed?)?;
        }
        for dir in user_dirs {
            for file in toml_files(dir)? {
                let text = std::fs::read_to_string(&file).map_err(|error| RuleError::Io {
                    path: file.clone(),
                    error,
                })?;
                let rel = file
                    .strip_prefix(dir)
                    .unwrap_or(&file)
                    .to_string_lossy()
                    .replace('\\', "/");
                set.add_file(&file.display().to_string(), &rel, &text, true)?;
            }
        }
        set.rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        Ok(set)
    }

    /// Only the embedded packs (for tests and `secreview rules`).
    pub fn embedded() -> Result<RuleSet, RuleError> {
        Self::load(&[])
    }

    pub fn get(&self, id: &str) -> Option<&CompiledRule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }

    pub fn taint_table(&self, lang: Lang) -> &TaintTable {
        match lang {
            Lang::Python => &self.taint_python,
            Lang::Rust => &self.taint_rust,
        }
    }

    /// Drops the rules whose id is in `ids`; returns the ids that named no rule (for a config warning).
    pub fn disable(&mut self, ids: &[String]) -> Vec<String> {
        let unknown = ids
            .iter()
            .filter(|id| self.get(id).is_none())
            .cloned()
            .collect();
        self.rules.retain(|r| !ids.contains(&r.meta.id));
        unknown
    }

    /// Adds one user rule or pack data file given as text, as if read from a rules directory at `rel`
    /// (`<pack>/<file>.toml`); queries and regexes compile now. For tools and fuzzing.
    pub fn add_text(&mut self, rel: &str, text: &str) -> Result<(), RuleError> {
        self.add_file(rel, rel, text, true)
    }

    /// `source` names the file in messages; `rel` is its path relative to the rules root (`<pack>/<file>`).
    fn add_file(
        &mut self,
        source: &str,
        rel: &str,
        text: &str,
        eager: bool,
    ) -> Result<(), RuleError> {
        self.apply(parse_file(source, rel, text, eager)?)
    }

    fn apply(&mut self, parsed: Parsed) -> Result<(), RuleError> {
        match parsed {
            Parsed::Rule(rule) => {
                if let Some(prev) = self.get(&rule.meta.id) {
                    return Err(RuleError::Duplicate {
                        id: rule.meta.id.clone(),
                        first: prev.source.clone(),
                        second: rule.source.clone(),
                    });
                }
                self.rules.push(*rule);
                Ok(())
            }
            Parsed::Data {
                source,
                pack,
                name,
                text,
            } => self.add_data(&source, &pack, &name, &text),
        }
    }

    fn add_data(
        &mut self,
        source: &str,
        pack: &str,
        name: &str,
        text: &str,
    ) -> Result<(), RuleError> {
        match (pack, name) {
            ("secrets", "allowlist") => {
                let more: SecretsAllowlist = parse_toml(source, text)?;
                let s = &mut self.secrets;
                s.placeholder_words.extend(more.placeholder_words);
                s.example_values.extend(more.example_values);
                s.reference_patterns.extend(more.reference_patterns);
                s.skip_paths.extend(more.skip_paths);
                s.test_paths.extend(more.test_paths);
                s.generic_rules.extend(more.generic_rules);
                s.context_rules.extend(more.context_rules);
                s.test_discount_rules.extend(more.test_discount_rules);
                s.url_query_rules.extend(more.url_query_rules);
                s.packaging_paths.extend(more.packaging_paths);
                s.locale_paths.extend(more.locale_paths);
                s.decode_paths.extend(more.decode_paths);
                // A user's allowlist file narrows or widens the embedded regexes by replacing them.
                if more.credential_key.is_some() {
                    s.credential_key = more.credential_key;
                }
                if more.hex_secret_key.is_some() {
                    s.hex_secret_key = more.hex_secret_key;
                }
            }
            ("injection", "python" | "rust") => {
                let more: TaintTable = parse_toml(source, text)?;
                let t = if name == "python" {
                    &mut self.taint_python
                } else {
                    &mut self.taint_rust
                };
                t.extend(more);
            }
            ("authz", "frameworks") => {
                let more: AuthzNames = parse_toml(source, text)?;
                self.authz.extend(more);
            }
            _ => {
                return Err(RuleError::Invalid {
                    file: source.to_owned(),
                    id: format!("_{name}"),
                    message:
                        "unknown pack data file (known: secrets/_allowlist, injection/_python, \
                              injection/_rust, authz/_frameworks)"
                            .into(),
                });
            }
        }
        Ok(())
    }
}

impl AuthzNames {
    fn extend(&mut self, more: AuthzNames) {
        self.auth_markers.extend(more.auth_markers);
        self.auth_names.extend(more.auth_names);
        self.privilege_markers.extend(more.privilege_markers);
        self.not_privilege_markers
            .extend(more.not_privilege_markers);
        self.owner_fields.extend(more.owner_fields);
        self.principal_markers.extend(more.principal_markers);
        self.public_route_words.extend(more.public_route_words);
        self.first_run_checks.extend(more.first_run_checks);
        self.allow_all_names.extend(more.allow_all_names);
        self.lookup_calls.extend(more.lookup_calls);
        self.mutation_calls.extend(more.mutation_calls);
        self.privileged_fields.extend(more.privileged_fields);
    }
}

fn parse_toml<T: DeserializeOwned>(source: &str, text: &str) -> Result<T, RuleError> {
    toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        RuleError::Parse {
            file: source.to_owned(),
            line,
            col,
            message: e.message().trim().replace('\n', " "),
        }
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, RuleError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|error| RuleError::Io {
            path: d.clone(),
            error,
        })?;
        for entry in entries {
            let path = entry
                .map_err(|error| RuleError::Io {
                    path: d.clone(),
                    error,
                })?
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r###"
id = "yaml-load-unsafe"
kind = "query"
pack = "injection"
title = "t"
cwe = ["CWE-502"]
severity = "high"
confidence = 0.7
message = "m"
recommendation = "r"
docs = "## What it does\n## Why is this bad?\n## Example\n## Fix\n"
[[query]]
language = "python"
pattern = '(call function: (attribute) @f) @match'
"###;

    fn load_one(rel: &str, text: &str) -> Result<RuleSet, RuleError> {
        let mut s = RuleSet::default();
        s.add_file(rel, rel, text, true).map(|()| s)
    }

    #[test]
    fn a_valid_rule_compiles_with_owasp_from_its_cwe() {
        let s = load_one("injection/yaml-load-unsafe.toml", GOOD).unwrap();
        let r = &s.rules[0];
        assert_eq!(r.meta.owasp2021.unwrap().code(), "A08:2021");
        assert_eq!(r.meta.owasp2025.unwrap().code(), "A08:2025");
    }

    #[test]
    fn unknown_keys_name_the_file_and_the_line() {
        let text = GOOD.replace("severity = \"high\"", "severity = \"high\"\nseverty = 1");
        let err = load_one("injection/yaml-load-unsafe.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("injection/yaml-load-unsafe.toml:"), "{err}");
        assert!(err.contains("severty"), "{err}");
    }

    #[test]
    fn a_broken_query_reports_row_and_column() {
        let text = GOOD.replace("(attribute) @f", "(attribute) @f (bogus_node)");
        let err = load_one("injection/yaml-load-unsafe.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("yaml-load-unsafe") && err.contains("row 1, column"),
            "{err}"
        );
    }

    #[test]
    fn a_query_nested_too_deep_is_an_error_not_a_stack_overflow() {
        // tree-sitter parses queries recursively: 50,000 nested `(` aborted the scan that loaded the rule.
        let deep = format!("{}call{} @match", "(".repeat(50_000), ")".repeat(50_000));
        let text = GOOD.replace("(call function: (attribute) @f) @match", &deep);
        let err = load_one("injection/yaml-load-unsafe.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("nests 50000 levels"), "{err}");
        // Brackets inside strings and comments do not count.
        let quoted = format!(
            "pattern = \'\'\'\n((call) @match (#eq? @match \"{}\")) ; {}\n\'\'\'",
            "(".repeat(100),
            "[".repeat(100)
        );
        let text = GOOD.replace(
            "pattern = '(call function: (attribute) @f) @match'",
            &quoted,
        );
        load_one("injection/yaml-load-unsafe.toml", &text).unwrap();
    }

    #[test]
    fn a_predicate_outside_its_pattern_is_rejected() {
        let text = GOOD.replace(
            "pattern = '(call function: (attribute) @f) @match'",
            "pattern = '(call function: (attribute) @f) @match (#eq? @f \"x\")'",
        );
        let err = load_one("injection/yaml-load-unsafe.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("outside the pattern"), "{err}");
        let grouped = GOOD.replace(
            "pattern = '(call function: (attribute) @f) @match'",
            "pattern = '((call function: (attribute) @f) @match (#eq? @f \"x\"))'",
        );
        assert!(load_one("injection/yaml-load-unsafe.toml", &grouped).is_ok());
    }

    #[test]
    fn query_context_keys_load_and_a_bad_context_regex_names_the_rule() {
        let text = format!(
            "{GOOD}detail = \"{{@f}} {{context}}\"\nconfidence = 0.4\n[[query.context]]\nfrom = [\"outer\", \"uses\"]\nnames = '(?i)token'\n"
        );
        let s = load_one("injection/yaml-load-unsafe.toml", &text).unwrap();
        let crate::Matcher::Query(qs) = &s.rules[0].matcher else {
            panic!("a query rule")
        };
        assert_eq!(qs[0].confidence, Some(0.4));
        assert_eq!(qs[0].parts().unwrap().context.len(), 1);
        let bad = text.replace("names = '(?i)token'", "names = '(unclosed'");
        let err = load_one("injection/yaml-load-unsafe.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("yaml-load-unsafe") && err.contains("context names"),
            "{err}"
        );
        let missing = text.replace("{@f}", "{@nope}");
        let err = load_one("injection/yaml-load-unsafe.toml", &missing)
            .unwrap_err()
            .to_string();
        assert!(err.contains("{@nope}"), "{err}");
    }

    #[test]
    fn id_must_match_file_and_pack_must_match_folder() {
        let err = load_one("injection/other.toml", GOOD)
            .unwrap_err()
            .to_string();
        assert!(err.contains("file name stem `other`"), "{err}");
        let err = load_one("authz/yaml-load-unsafe.toml", GOOD)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must equal its folder"), "{err}");
    }

    #[test]
    fn missing_doc_sections_are_rejected() {
        let text = GOOD.replace("## Fix", "## Fixes?");
        // "## Fix" is a prefix of "## Fixes?", so use a different break:
        let text = text.replace("## Example", "## Sample");
        let err = load_one("injection/yaml-load-unsafe.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("## Example"), "{err}");
    }

    #[test]
    fn the_embedded_packs_load() {
        let set = RuleSet::embedded().unwrap();
        let mut ids: Vec<_> = set.rules.iter().map(|r| r.meta.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), set.rules.len());
    }
}
