//! # secreview-rules
//!
//! The rule schema ([`schema`]), loading of the packs embedded from `rules/` at build time plus user rule
//! directories, validation, and compilation into [`CompiledRule`]s whose queries and regexes are built exactly
//! once and then shared by every worker.
//!
//! It must not run rules or touch files to be scanned: the engine does that. An invalid rule is an error naming
//! the file, the rule id and (for queries) the row:col; a run never starts with a half-loaded rule set.

mod compile;
pub mod data;
mod load;
pub mod prefilter;
pub mod schema;

use std::path::PathBuf;

pub use compile::{
    ALL_CONTEXT_SOURCES, CompiledPattern, CompiledQuery, CompiledRule, ContextRule, DOC_SECTIONS,
    Matcher, QueryParts,
};
pub use load::{EMBEDDED, RuleSet, embedded_files};

/// Why loading rules failed; every variant names where, so the user can fix it.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("cannot read rules from {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{file}:{line}:{col}: invalid rule file: {message}")]
    Parse {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{file}: rule `{id}`: {message}")]
    Invalid {
        file: String,
        id: String,
        message: String,
    },
    #[error("{file}: rule `{id}`: query error at row {row}, column {col}: {kind} {message}")]
    Query {
        file: String,
        id: String,
        row: usize,
        col: usize,
        kind: String,
        message: String,
    },
    #[error("{file}: rule `{id}`: {what} is not a valid regex: {message}")]
    Regex {
        file: String,
        id: String,
        what: String,
        message: String,
    },
    #[error("rule id `{id}` is defined twice: {first} and {second}")]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
}
