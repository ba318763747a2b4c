//! Reading one file's bytes (from the object database or the disk) and deciding whether it is scannable text.

use std::fs;
use std::io;
use std::path::Path;

use git2::{AttrCheckFlags, AttrValue, Blob, Odb, Oid, Repository};
use secreview_model::SkipReason;

/// How much of a file is searched for a NUL byte, like git's own binary heuristic.
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// A file's bytes, borrowed from libgit2's blob when they came from the object database so that the blob is
/// read exactly once.
pub(crate) enum Content<'r> {
    Blob(Blob<'r>),
    Owned(Vec<u8>),
}

impl Content<'_> {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Content::Blob(b) => b.content(),
            Content::Owned(v) => v,
        }
    }

    /// The text, or [`SkipReason::NotUtf8`]. Owned bytes are moved, not copied.
    pub(crate) fn into_text(self) -> Result<String, SkipReason> {
        match self {
            Content::Blob(b) => std::str::from_utf8(b.content())
                .map(str::to_owned)
                .map_err(|_| SkipReason::NotUtf8),
            Content::Owned(v) => String::from_utf8(v).map_err(|_| SkipReason::NotUtf8),
        }
    }
}

pub(crate) fn unreadable(error: impl std::fmt::Display) -> SkipReason {
    SkipReason::Unreadable {
        error: crate::error::one_line(&error.to_string()),
    }
}

/// Reads a blob, checking its size from the object header first so an oversized blob is never inflated.
pub(crate) fn read_blob<'r>(
    repo: &'r Repository,
    odb: &Odb<'_>,
    oid: Oid,
    limit: u64,
) -> Result<Content<'r>, SkipReason> {
    let (size, _) = odb.read_header(oid).map_err(|e| unreadable(e.message()))?;
    let bytes = size as u64;
    if bytes > limit {
        return Err(SkipReason::TooLarge { bytes, limit });
    }
    repo.find_blob(oid)
        .map(Content::Blob)
        .map_err(|e| unreadable(e.message()))
}

/// Reads a regular file from disk without following symlinks.
pub(crate) fn read_disk(path: &Path, limit: u64) -> Result<Content<'static>, SkipReason> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(SkipReason::Deleted),
        Err(e) => return Err(unreadable(e)),
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(SkipReason::Symlink);
    }
    if kind.is_dir() {
        // A directory where git expected a file is a nested repository or a submodule checkout.
        return Err(SkipReason::Submodule);
    }
    if !kind.is_file() {
        return Err(unreadable("not a regular file"));
    }
    if meta.len() > limit {
        return Err(SkipReason::TooLarge {
            bytes: meta.len(),
            limit,
        });
    }
    fs::read(path).map(Content::Owned).map_err(unreadable)
}

/// NUL byte near the start: git's binary heuristic.
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0)
}

/// `.gitattributes` says `binary` or `-diff`: git itself would print "Binary files differ".
pub(crate) fn attr_says_binary(repo: Option<&Repository>, path: &str) -> bool {
    let Some(repo) = repo else {
        return false;
    };
    matches!(
        repo.get_attr(Path::new(path), "diff", AttrCheckFlags::FILE_THEN_INDEX)
            .map(AttrValue::from_string),
        Ok(AttrValue::False)
    )
}

/// Turns bytes into scannable text, or the reason they are not.
pub(crate) fn to_text(
    content: Content<'_>,
    repo: Option<&Repository>,
    path: &str,
) -> Result<String, SkipReason> {
    text_unless_marked(content, || attr_says_binary(repo, path))
}

/// As [`to_text`], with the attribute check supplied (the base commit's `.gitattributes` instead of the work
/// tree's). Text marked binary is told apart from real binary: only the former is a policy choice.
pub(crate) fn text_unless_marked(
    content: Content<'_>,
    marked_binary: impl FnOnce() -> bool,
) -> Result<String, SkipReason> {
    if looks_binary(content.bytes()) {
        return Err(SkipReason::Binary);
    }
    if marked_binary() {
        return Err(SkipReason::MarkedBinary);
    }
    content.into_text()
}
