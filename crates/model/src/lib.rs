//! # secreview-model
//!
//! The vocabulary every other crate speaks: [`Finding`], [`Location`], [`Severity`], [`Cwe`], the OWASP Top 10
//! tables of 2021 and 2025 (looked up from a CWE, never hand-written per rule), [`RuleMeta`], [`ChangedFile`] and
//! the content-based [`Fingerprint`].
//!
//! This crate does no I/O and knows nothing of git, tree-sitter or rendering: it is the contract between them.

mod changed;
mod cwe;
mod finding;
mod fingerprint;
pub mod lines;
pub mod owasp;
mod policy;
mod redact;
mod severity;

pub use changed::{ChangedFile, FileStatus, LineSet};
pub use cwe::Cwe;
pub use finding::{
    Evidence, Finding, Location, RuleMeta, ScanMeta, SkipReason, Skipped, Suppression,
};
pub use fingerprint::{Fingerprint, normalize_line};
pub use lines::{count_lines, line_starts, split_lines};
pub use owasp::{Edition, OwaspCategory};
pub use policy::{PolicyChange, PolicyKind, SuppressedBy, SuppressedFinding, SuppressionKind};
pub use redact::{redact_secret, strip_url_credentials};
pub use severity::{ParseSeverityError, Severity};
