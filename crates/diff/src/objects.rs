//! Guarding libgit2 against damaged loose objects.
//!
//! libgit2 1.9 (the newest that `git2` ships) spins forever when it inflates a truncated loose object: its
//! `git_zstream_get_output` retries a zlib stream that has no input left. Any read can hit it — a commit during
//! the merge-base walk, a tree during the diff, a blob during rename detection or our own read — so before the
//! first scan of a repository every loose object is inflated here and checked: a complete zlib stream with
//! nothing after it, a valid `<type> <size>\0` header, and exactly the body length that header declares. A
//! damaged object is an error naming it: a scan must never hang, nor pass a change it could not read.
//!
//! Checking only the blobs we read ourselves was rejected: libgit2 reads commits, trees and rename candidates
//! on its own before we see them. The cost is one parallel pass over the loose objects (packed objects are
//! guarded by libgit2 itself), once per process and repository; `git gc` keeps them to a few thousand small
//! files, and a fresh clone has none.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use flate2::{Decompress, FlushDecompress, Status};
use git2::Repository;
use rayon::prelude::*;

use crate::error::DiffError;

/// Object directories already checked by this process.
static CHECKED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// libgit2 follows alternates this deep; so do we.
const MAX_ALTERNATE_DEPTH: usize = 5;

/// The longest valid header: `commit 18446744073709551615\0`.
const MAX_HEADER_BYTES: usize = 32;

/// Checks every loose object of the repository (and of its alternates) once per process.
pub(crate) fn check_loose_objects(repo: &Repository) -> Result<(), DiffError> {
    let mut dirs = Vec::new();
    collect_object_dirs(&repo.commondir().join("objects"), 0, &mut dirs);
    for dir in dirs {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        if CHECKED.lock().is_ok_and(|done| done.contains(&key)) {
            continue;
        }
        check_dir(&dir)?;
        if let Ok(mut done) = CHECKED.lock() {
            done.insert(key);
        }
    }
    Ok(())
}

fn collect_object_dirs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if out.iter().any(|d| d == dir) || !dir.is_dir() {
        return;
    }
    out.push(dir.to_path_buf());
    if depth >= MAX_ALTERNATE_DEPTH {
        return;
    }
    let Ok(list) = fs::read_to_string(dir.join("info/alternates")) else {
        return;
    };
    for line in list.lines().map(str::trim) {
        if !line.is_empty() && !line.starts_with('#') {
            collect_object_dirs(&dir.join(line), depth + 1, out);
        }
    }
}

fn check_dir(objects: &Path) -> Result<(), DiffError> {
    let Ok(fanout) = fs::read_dir(objects) else {
        return Ok(());
    };
    let mut files = Vec::new();
    for entry in fanout.flatten() {
        let name = entry.file_name();
        let Some(prefix) = name.to_str().filter(|n| n.len() == 2 && is_hex(n)) else {
            continue;
        };
        let Ok(inner) = fs::read_dir(entry.path()) else {
            continue;
        };
        for object in inner.flatten() {
            let name = object.file_name();
            // SHA-1 or SHA-256 names; `tmp_obj_*` files of an interrupted write are not objects yet.
            if let Some(rest) = name
                .to_str()
                .filter(|n| matches!(n.len(), 38 | 62) && is_hex(n))
            {
                files.push((format!("{prefix}{rest}"), object.path()));
            }
        }
    }
    // Sorted, and the first damaged one in that order reported, so the error is the same on every run.
    files.sort();
    let problems: Vec<Option<String>> = files
        .par_iter()
        .map(|(_, path)| check_file(path).err())
        .collect();
    match files
        .into_iter()
        .zip(problems)
        .find_map(|(f, p)| Some((f, p?)))
    {
        Some(((id, path), problem)) => Err(DiffError::CorruptObject {
            id,
            problem: format!("{problem} (in {})", path.display()),
        }),
        None => Ok(()),
    }
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Inflates one loose object file to the end, checking the stream and the header.
fn check_file(path: &Path) -> Result<(), String> {
    let data = fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut z = Decompress::new(true);
    let mut buf = vec![0u8; 64 * 1024];
    let mut header = Vec::new();
    let mut header_done = false;
    let mut body = 0u64;
    loop {
        let (in_before, out_before) = (z.total_in(), z.total_out());
        let rest = data
            .get(usize::try_from(in_before).unwrap_or(usize::MAX)..)
            .unwrap_or(&[]);
        let status = z
            .decompress(rest, &mut buf, FlushDecompress::Finish)
            .map_err(|e| format!("not a valid zlib stream ({e})"))?;
        let produced = usize::try_from(z.total_out() - out_before).unwrap_or(0);
        let mut out = &buf[..produced];
        if !header_done {
            if let Some(nul) = out.iter().position(|&b| b == 0) {
                header.extend_from_slice(&out[..nul]);
                out = &out[nul + 1..];
                header_done = true;
            } else {
                header.extend_from_slice(out);
                out = &[];
            }
            if header.len() > MAX_HEADER_BYTES {
                return Err("bad object header".to_owned());
            }
        }
        body += out.len() as u64;
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                if z.total_in() == in_before && z.total_out() == out_before {
                    return Err("truncated: the compressed data ends early".to_owned());
                }
            }
        }
    }
    if usize::try_from(z.total_in()).ok() != Some(data.len()) {
        return Err("unexpected data after the compressed object".to_owned());
    }
    let declared = parse_header(header_done.then_some(header.as_slice()))
        .ok_or_else(|| "bad object header".to_owned())?;
    if declared != body {
        return Err(format!(
            "its header declares {declared} bytes but it holds {body}"
        ));
    }
    Ok(())
}

/// `<type> <size>` → size, for the four loose object types.
fn parse_header(header: Option<&[u8]>) -> Option<u64> {
    let text = std::str::from_utf8(header?).ok()?;
    let (kind, size) = text.split_once(' ')?;
    if !matches!(kind, "blob" | "tree" | "commit" | "tag")
        || !size.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    size.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflate(raw: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(raw).unwrap();
        e.finish().unwrap()
    }

    fn check(bytes: &[u8]) -> Result<(), String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("obj");
        fs::write(&p, bytes).unwrap();
        check_file(&p)
    }

    #[test]
    fn sound_objects_pass_and_damaged_ones_say_why() {
        let body: Vec<u8> = (0..20_000u32).flat_map(u32::to_le_bytes).collect();
        let mut raw = format!("blob {}\0", body.len()).into_bytes();
        raw.extend_from_slice(&body);
        let good = deflate(&raw);
        assert_eq!(check(&good), Ok(()));
        assert_eq!(check(&deflate(b"blob 0\0")), Ok(()));

        let truncated = check(&good[..good.len() / 2]).unwrap_err();
        assert!(truncated.starts_with("truncated"), "{truncated}");
        // Cut inside the adler32 trailer: the data is complete but the stream is not.
        assert!(
            check(&good[..good.len() - 2])
                .unwrap_err()
                .starts_with("truncated")
        );
        assert!(check(b"not zlib at all").unwrap_err().contains("zlib"));
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"junk");
        assert!(check(&trailing).unwrap_err().contains("after"));
        assert!(
            check(&deflate(b"blob 5\0abc"))
                .unwrap_err()
                .contains("declares 5")
        );
        assert!(
            check(&deflate(b"blub 3\0abc"))
                .unwrap_err()
                .contains("header")
        );
        assert!(
            check(&deflate(b"blob 3abc"))
                .unwrap_err()
                .contains("header")
        );
    }
}
