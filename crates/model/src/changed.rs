use std::path::PathBuf;

use serde::Serialize;

use crate::lines::count_lines;

/// What the diff did to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Added,
    Modified,
    Renamed,
    /// Scanned as a whole (`--all`): every line counts as added.
    Unchanged,
}

/// A sorted set of 1-based line numbers, stored as inclusive ranges so a whole-file scan costs one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineSet {
    ranges: Vec<(u32, u32)>,
}

impl LineSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every line from 1 to `last`.
    pub fn all(last: u32) -> Self {
        let mut s = Self::new();
        if last > 0 {
            s.insert_range(1, last);
        }
        s
    }

    /// Adds `start..=end`. Ranges must be inserted in ascending order (git hunks are); adjacent ones merge.
    pub fn insert_range(&mut self, start: u32, end: u32) {
        if start > end {
            return;
        }
        if let Some(last) = self.ranges.last_mut()
            && start <= last.1.saturating_add(1)
            && start >= last.0
        {
            last.1 = last.1.max(end);
            return;
        }
        self.ranges.push((start, end));
        if self.ranges.len() > 1 && self.ranges[self.ranges.len() - 2].0 > start {
            self.normalize();
        }
    }

    pub fn insert(&mut self, line: u32) {
        self.insert_range(line, line);
    }

    fn normalize(&mut self) {
        self.ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.ranges.len());
        for &(s, e) in &self.ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.ranges = merged;
    }

    pub fn contains(&self, line: u32) -> bool {
        self.ranges
            .binary_search_by(|&(s, e)| {
                if line < s {
                    std::cmp::Ordering::Greater
                } else if line > e {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    /// True when any line of `start..=end` is in the set.
    pub fn intersects(&self, start: u32, end: u32) -> bool {
        let idx = self.ranges.partition_point(|&(_, e)| e < start);
        self.ranges.get(idx).is_some_and(|&(s, _)| s <= end)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn len(&self) -> usize {
        self.ranges.iter().map(|&(s, e)| (e - s + 1) as usize).sum()
    }

    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|&(s, e)| s..=e)
    }
}

/// One file to scan: its new text, and what the diff added and removed.
#[derive(Debug, Clone)]
pub struct ChangedFile {
    /// Path relative to the repository (or scanned directory) root, `/`-separated.
    pub path: String,
    /// The path in the base version, when the file existed there (differs from `path` for renames).
    pub old_path: Option<String>,
    pub status: FileStatus,
    pub new_text: String,
    /// The base version of the file, for analyses that compare (e.g. a removed auth guard).
    pub old_text: Option<String>,
    /// Lines of `new_text` the change added (1-based).
    pub added: LineSet,
    /// Lines of `old_text` the change removed (1-based).
    pub removed: LineSet,
    /// The commit that introduced the change, in per-commit scans (secrets across a pushed range).
    pub commit: Option<String>,
    /// Absolute path on disk when one exists (for messages only).
    pub disk_path: Option<PathBuf>,
    /// The bytes are not UTF-8 and `new_text` was decoded lossily (invalid bytes became U+FFFD): the secrets
    /// detectors still read it, the code rules do not (their parsers need the real text). The diff crate also
    /// lists the file as skipped with [`crate::SkipReason::NotUtf8`], so the report says which files code rules
    /// could not read.
    pub lossy: bool,
}

impl ChangedFile {
    /// A file scanned whole, as in `--all` mode.
    pub fn whole(path: impl Into<String>, text: String) -> Self {
        let lines = count_lines(&text);
        Self {
            path: path.into(),
            old_path: None,
            status: FileStatus::Unchanged,
            new_text: text,
            old_text: None,
            added: LineSet::all(lines),
            removed: LineSet::new(),
            commit: None,
            disk_path: None,
            lossy: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_set_merges_and_answers_membership() {
        let mut s = LineSet::new();
        s.insert_range(3, 5);
        s.insert(6);
        s.insert(10);
        s.insert(1);
        assert_eq!(s.ranges(), &[(1, 1), (3, 6), (10, 10)]);
        assert!(s.contains(4) && s.contains(10) && !s.contains(2) && !s.contains(11));
        assert!(s.intersects(7, 12) && !s.intersects(7, 9) && s.intersects(0, 1));
        assert_eq!(s.len(), 6);
    }
}
