//! `.secreview.toml`: the same settings as the command line, plus what only makes sense in a file (per-rule
//! overrides, path globs, authz names, secrets allowlists). Unknown keys are errors naming the key and the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use secreview_model::Severity;
use secreview_rules::data::{AuthzNames, SecretsAllowlist};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub base: Option<String>,
    pub format: Option<String>,
    pub fail_on: Option<String>,
    pub min_confidence: Option<f32>,
    pub jobs: Option<usize>,
    pub max_file_size: Option<u64>,
    pub baseline: Option<PathBuf>,
    /// Extra rule directories, relative to the repository root.
    #[serde(default)]
    pub rules_dirs: Vec<PathBuf>,
    /// Only files matching one of these globs are scanned (default: all).
    #[serde(default)]
    pub include: Vec<String>,
    /// Files matching one of these globs are never scanned.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `false` scans docs and test fixtures with `--all` too (default `true`: they are excluded there).
    pub default_excludes: Option<bool>,
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub authz: AuthzNames,
    #[serde(default)]
    pub secrets: SecretsAllowlist,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    #[serde(default)]
    pub disable: Vec<String>,
    /// Per-rule severity overrides.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Per-rule mode: `block` (default) or `warn` (shown, never fails the run).
    #[serde(default)]
    pub mode: BTreeMap<String, RuleMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleMode {
    Warn,
    Block,
}

impl Config {
    /// `explicit` (from `--config`) must exist; otherwise `.secreview.toml` at `root` is read when present.
    pub fn load(explicit: Option<&Path>, root: &Path) -> Result<(Config, Option<PathBuf>)> {
        let path = if let Some(p) = explicit {
            p.to_path_buf()
        } else {
            let p = root.join(".secreview.toml");
            if !p.is_file() {
                return Ok((Config::default(), None));
            }
            p
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        let cfg = Self::parse(&text).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
        Ok((cfg, Some(path)))
    }

    /// Parses config text; errors read `LINE:COL: message`.
    pub fn parse(text: &str) -> Result<Config> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| {
                let before = &text[..s.start.min(text.len())];
                (
                    before.matches('\n').count() + 1,
                    before.rsplit('\n').next().map_or(0, str::len) + 1,
                )
            });
            anyhow::anyhow!("{line}:{col}: {}", e.message().trim().replace('\n', " "))
        })?;
        if let Some(c) = cfg.min_confidence
            && !(0.0..=1.0).contains(&c)
        {
            bail!("min_confidence = {c} is outside 0.0..=1.0");
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let err = Config::parse("fail_on = \"high\"\n[rules]\ndisabled = [\"x\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("3:1:"), "{err}");
        assert!(err.contains("disabled"), "{err}");
    }

    #[test]
    fn full_config_parses() {
        let c = Config::parse(
            r#"
fail_on = "medium"
min_confidence = 0.6
exclude = ["**/migrations/**"]
[rules]
disable = ["mass-assignment"]
severity = { "sql-string-built" = "critical" }
mode = { "route-missing-authentication" = "warn" }
[authz]
auth_names = ["require_tenant_user"]
owner_fields = ["tenant_owner"]
[secrets]
placeholder_words = ["dev-only"]
"#,
        )
        .unwrap();
        assert_eq!(
            c.rules.mode.get("route-missing-authentication"),
            Some(&RuleMode::Warn)
        );
        assert_eq!(
            c.rules.severity.get("sql-string-built"),
            Some(&Severity::Critical)
        );
        assert_eq!(c.authz.owner_fields, ["tenant_owner"]);
    }
}
