//! The one error type of this crate. Every variant renders as a single line that names the problem and, after two
//! spaces, a `hint:` saying what to do about it, because the CLI prints it verbatim.

use std::path::PathBuf;

/// Why a set of changed files could not be built. Per-file problems are never errors: they become
/// [`secreview_model::Skipped`] entries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    #[error("`{}` does not exist  hint: check the path you passed", path.display())]
    NoSuchPath { path: PathBuf },

    #[error(
        "`{}` is not inside a git repository  hint: run secreview inside a clone, or use --all to scan a plain directory",
        path.display()
    )]
    NotARepository { path: PathBuf },

    #[error(
        "`{}` is a bare repository and {mode} mode needs a working tree  hint: use --base or --range, or run in a clone with a checkout",
        path.display()
    )]
    BareRepository { path: PathBuf, mode: &'static str },

    #[error(
        "HEAD has no commits yet in `{}`  hint: make a first commit, or scan with --staged, --worktree or --all",
        path.display()
    )]
    UnbornHead { path: PathBuf },

    #[error(
        "unknown base ref `{name}`: it names no commit in this repository  hint: git fetch origin {fetch}"
    )]
    UnknownBaseRef { name: String, fetch: String },

    #[error(
        "unknown revision `{name}`: it names no commit in this repository  hint: check the spelling, or git fetch origin {fetch}"
    )]
    UnknownRevision { name: String, fetch: String },

    #[error(
        "no default base branch found: neither a remote HEAD (origin/HEAD) nor main nor master exists  hint: pass --base REF"
    )]
    NoDefaultBase,

    #[error(
        "no base branch in this shallow clone: only the checked-out branch was fetched, so neither origin/HEAD nor main nor master exists  hint: fetch the full history (actions/checkout `fetch-depth: 0`, GitLab `GIT_DEPTH: 0`), or fetch the base and pass it: git fetch origin main && secreview scan --base origin/main"
    )]
    ShallowWithoutBase,

    #[error(
        "the merge-base of `{base}` and HEAD is missing because this is a shallow clone  hint: fetch full history (git fetch --unshallow), or set `fetch-depth: 0` in actions/checkout"
    )]
    ShallowClone { base: String },

    #[error(
        "`{base}` and HEAD have no common ancestor (unrelated histories)  hint: pass the right --base, or compare the trees directly with --range {base}..HEAD"
    )]
    UnrelatedHistories { base: String },

    #[error("bad range `{spec}`: {reason}  hint: write FROM..TO, e.g. --range main..HEAD")]
    BadRange { spec: String, reason: &'static str },

    #[error(
        "bad pre-push input line `{line}`: expected `<local ref> <local sha> <remote ref> <remote sha>`  hint: run it from git's pre-push hook, which writes these lines to stdin"
    )]
    BadPushLine { line: String },

    #[error(
        "`{local_ref}` points to a {kind}, not a commit, and only commits can be scanned  hint: push it with --no-verify if that is intended"
    )]
    NotACommit { local_ref: String, kind: String },

    #[error("cannot walk `{}`: {message}  hint: check the directory's permissions", path.display())]
    Walk { path: PathBuf, message: String },

    /// A git object the scan needs (or that libgit2 might read) is damaged or missing: scanning around it could
    /// pass a change nobody read.
    #[error(
        "git object {id} is damaged: {problem}  hint: run `git fsck` to see the damage, restore the object (fetch it again or copy it from another clone), then scan again"
    )]
    CorruptObject { id: String, problem: String },

    /// A libgit2 failure with no more specific meaning. `message` is the git2 message flattened to one line.
    #[error("{context}: {message}  hint: check that the repository is not corrupt (git fsck)")]
    Git {
        context: String,
        message: String,
        #[source]
        source: git2::Error,
    },
}

impl DiffError {
    pub(crate) fn git(context: impl Into<String>, source: git2::Error) -> Self {
        DiffError::Git {
            context: context.into(),
            message: one_line(source.message()),
            source,
        }
    }
}

/// Collapses whitespace runs (including newlines) so a message stays on one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The branch name to put after `git fetch origin` for a ref the user named.
pub(crate) fn fetch_name(name: &str) -> String {
    let short = name
        .strip_prefix("refs/remotes/origin/")
        .or_else(|| name.strip_prefix("refs/heads/"))
        .or_else(|| name.strip_prefix("origin/"))
        .unwrap_or(name);
    short.to_owned()
}
