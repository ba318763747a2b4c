//! Reading one file's bytes (from the object database or the disk) and deciding whether it is scannable text.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use git2::{AttrCheckFlags, AttrValue, Blob, Odb, Oid, Repository};
use secreview_model::SkipReason;

use crate::error::DiffError;

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

    /// The text; bytes that are not UTF-8 are decoded lossily (see [`Text::lossy`]). Owned UTF-8 bytes are moved,
    /// not copied.
    pub(crate) fn into_text(self) -> Text {
        let lossy = |bytes: &[u8]| Text {
            text: String::from_utf8_lossy(bytes).into_owned(),
            lossy: true,
        };
        match self {
            Content::Blob(b) => match std::str::from_utf8(b.content()) {
                Ok(text) => Text::exact(text.to_owned()),
                Err(_) => lossy(b.content()),
            },
            Content::Owned(v) => match String::from_utf8(v) {
                Ok(text) => Text::exact(text),
                Err(e) => lossy(e.as_bytes()),
            },
        }
    }
}

/// A file's text.
pub(crate) struct Text {
    pub text: String,
    /// Not UTF-8: one stray latin-1 byte must not hide a token from the secrets detectors, so invalid bytes
    /// became U+FFFD (line breaks are kept, so line numbers hold); the code rules leave such files alone.
    pub lossy: bool,
}

impl Text {
    fn exact(text: String) -> Self {
        Text { text, lossy: false }
    }
}

pub(crate) fn unreadable(error: impl std::fmt::Display) -> SkipReason {
    SkipReason::Unreadable {
        error: crate::error::one_line(&error.to_string()),
    }
}

/// Reads a blob, checking its size from the object header first so an oversized blob is never inflated.
/// The outer error is fatal: a blob the tree names but git cannot read is a damaged repository, and skipping
/// the file would pass a change nobody read.
pub(crate) fn read_blob<'r>(
    repo: &'r Repository,
    odb: &Odb<'_>,
    oid: Oid,
    limit: u64,
) -> Result<Result<Content<'r>, SkipReason>, DiffError> {
    let (size, _) = odb.read_header(oid).map_err(|e| damaged(oid, &e))?;
    let bytes = size as u64;
    if bytes > limit {
        return Ok(Err(SkipReason::TooLarge { bytes, limit }));
    }
    find_blob(repo, oid).map(|b| Ok(Content::Blob(b)))
}

/// A blob the diff names, or the damaged-object error.
pub(crate) fn find_blob(repo: &Repository, oid: Oid) -> Result<Blob<'_>, DiffError> {
    repo.find_blob(oid).map_err(|e| damaged(oid, &e))
}

fn damaged(oid: Oid, e: &git2::Error) -> DiffError {
    let problem = if e.code() == git2::ErrorCode::NotFound {
        // A blobless partial clone lacks it too: libgit2 cannot fetch from a promisor remote.
        "it is missing from the object database (a partial clone?)".to_owned()
    } else {
        format!(
            "git cannot read it ({})",
            crate::error::one_line(e.message())
        )
    };
    DiffError::CorruptObject {
        id: oid.to_string(),
        problem,
    }
}

/// The directory files are read from, with its canonical form: a file is read only when its real parent
/// directory lies inside it, so a symlinked parent directory (`src -> /home/me`) never leads a scan outside.
pub(crate) struct DiskRoot {
    real: PathBuf,
    /// The last parent directory found inside the root: files come in path order, so most share it.
    last_inside: Option<PathBuf>,
}

impl DiskRoot {
    pub(crate) fn new(root: &Path) -> Result<Self, DiffError> {
        let real = root.canonicalize().map_err(|e| DiffError::Walk {
            path: root.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(Self {
            real,
            last_inside: None,
        })
    }

    /// Whether `path` (under the root as given) really is inside the root. A parent that does not exist is
    /// inside: reading the file then reports it deleted.
    fn check(&mut self, path: &Path) -> Result<(), SkipReason> {
        let Some(parent) = path.parent() else {
            return Ok(());
        };
        if self.last_inside.as_deref() == Some(parent) {
            return Ok(());
        }
        match parent.canonicalize() {
            Ok(real) if real.starts_with(&self.real) => {}
            Ok(_) => return Err(SkipReason::OutsideRoot),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(unreadable(e)),
        }
        self.last_inside = Some(parent.to_path_buf());
        Ok(())
    }
}

/// Reads a regular file from disk without following symlinks, neither the file's own nor its parents' out of
/// `root`.
pub(crate) fn read_disk(
    root: &mut DiskRoot,
    path: &Path,
    limit: u64,
) -> Result<Content<'static>, SkipReason> {
    root.check(path)?;
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
) -> Result<Text, SkipReason> {
    text_unless_marked(content, || attr_says_binary(repo, path))
}

/// As [`to_text`], with the attribute check supplied (the base commit's `.gitattributes` instead of the work
/// tree's). Text marked binary is told apart from real binary: only the former is a policy choice.
pub(crate) fn text_unless_marked(
    content: Content<'_>,
    marked_binary: impl FnOnce() -> bool,
) -> Result<Text, SkipReason> {
    if looks_binary(content.bytes()) {
        return Err(SkipReason::Binary);
    }
    if marked_binary() {
        return Err(SkipReason::MarkedBinary);
    }
    Ok(content.into_text())
}
