//! Baselines: the fingerprints of accepted findings. The file is sorted and holds no line numbers or timestamps,
//! so two branches that both add entries merge cleanly, and moving code does not invalidate it.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};
use secreview_model::Finding;
use serde::{Deserialize, Serialize};

use crate::Exit;
use crate::args::BaselineArgs;
use crate::scan::{Settings, run_scan};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub schema: u32,
    pub findings: BTreeSet<Entry>,
}

impl Baseline {
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        Baseline {
            schema: 1,
            findings: findings
                .iter()
                .map(|f| Entry {
                    rule: f.rule_id.clone(),
                    path: f.location.path.clone(),
                    fingerprint: f.fingerprint.0.clone(),
                })
                .collect(),
        }
    }

    pub fn read(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses baseline text; `origin` names it in errors (a path, or `path@commit`).
    pub fn parse(text: &str, origin: &str) -> Result<Baseline> {
        let b: Baseline = serde_json::from_str(text)
            .with_context(|| format!("{origin} is not a secreview baseline"))?;
        if b.schema != 1 {
            bail!("{origin}: unsupported baseline schema {}", b.schema);
        }
        Ok(b)
    }

    /// Moves baselined findings out of `findings`: returns them (in order), and the entries that matched nothing.
    pub fn split(&self, findings: &mut Vec<Finding>) -> (Vec<Finding>, Vec<String>) {
        let known: std::collections::HashSet<(&str, &str)> = self
            .findings
            .iter()
            .map(|e| (e.rule.as_str(), e.fingerprint.as_str()))
            .collect();
        let mut used = BTreeSet::new();
        let (hidden, kept): (Vec<Finding>, Vec<Finding>) = findings
            .drain(..)
            .partition(|f| known.contains(&(f.rule_id.as_str(), f.fingerprint.0.as_str())));
        *findings = kept;
        used.extend(hidden.iter().map(|f| f.fingerprint.0.clone()));
        let stale = self
            .findings
            .iter()
            .filter(|e| !used.contains(&e.fingerprint))
            .map(|e| format!("{} {} {}", e.rule, e.path, e.fingerprint))
            .collect();
        (hidden, stale)
    }

    pub fn to_json(&self) -> String {
        // Serialising owned strings and sets cannot fail.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

pub(crate) fn write(a: &BaselineArgs) -> Result<Exit> {
    let args = crate::args::ScanArgs {
        path: a.path.clone(),
        mode: a.mode.clone(),
        config: a.config.clone(),
        rules: a.rules.clone(),
        ..Default::default()
    };
    let settings = Settings::from_args(&args)?;
    let outcome = run_scan(&settings, &crate::policy::Baselines::default())?;
    let b = Baseline::from_findings(&outcome.output.findings);
    std::fs::write(&a.output, b.to_json())
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    eprintln!(
        "wrote {} finding fingerprint(s) to {}",
        b.findings.len(),
        a.output.display()
    );
    Ok(Exit::Clean)
}
