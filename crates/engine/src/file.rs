//! Per-file context shared by the matchers: the changed file, its added hunks, and lazily computed views.

use std::cell::OnceCell;

use secreview_model::ChangedFile;
use secreview_model::lines::{line_starts, strip_line_break};

pub(crate) struct FileCtx<'a> {
    pub file: &'a ChangedFile,
    lower: OnceCell<String>,
    line_starts: OnceCell<Vec<usize>>,
}

impl<'a> FileCtx<'a> {
    pub fn new(file: &'a ChangedFile) -> Self {
        FileCtx {
            file,
            lower: OnceCell::new(),
            line_starts: OnceCell::new(),
        }
    }

    pub fn text(&self) -> &'a str {
        &self.file.new_text
    }

    /// Case-insensitive literal containment, for keyword prefilters; lowercases the file once.
    pub fn lower_contains(&self, needle_lower: &str) -> bool {
        self.lower
            .get_or_init(|| self.file.new_text.to_ascii_lowercase())
            .contains(needle_lower)
    }

    fn starts(&self) -> &[usize] {
        self.line_starts
            .get_or_init(|| line_starts(&self.file.new_text))
    }

    /// 1-based line of a byte offset of the new text.
    pub fn line_of(&self, byte: usize) -> u32 {
        let idx = self.starts().partition_point(|&s| s <= byte);
        u32::try_from(idx.max(1)).unwrap_or(u32::MAX)
    }

    pub fn line_col(&self, byte: usize) -> (u32, u32) {
        let line = self.line_of(byte);
        let start = self.starts()[line as usize - 1];
        let col = self
            .text()
            .get(start..byte)
            .map_or(0, |s| s.chars().count());
        (line, u32::try_from(col + 1).unwrap_or(u32::MAX))
    }

    pub fn line_text(&self, line: u32) -> &'a str {
        let text = self.text();
        let starts = self.starts();
        let Some(&start) = starts.get((line as usize).wrapping_sub(1)) else {
            return "";
        };
        let end = starts.get(line as usize).map_or(text.len(), |&e| e);
        strip_line_break(&text[start..end])
    }

    /// First and last added line, if any.
    pub fn added_span(&self) -> Option<(u32, u32)> {
        let r = self.file.added.ranges();
        Some((r.first()?.0, r.last()?.1))
    }

    /// The added hunks as (byte offset of the hunk start, hunk text), line-exact.
    pub fn added_hunks(&self) -> Vec<(usize, &'a str)> {
        let text = self.text();
        let starts = self.starts();
        self.file
            .added
            .ranges()
            .iter()
            .filter_map(|&(s, e)| {
                let from = *starts.get(s as usize - 1)?;
                let to = starts.get(e as usize).copied().unwrap_or(text.len());
                Some((from, &text[from..to]))
            })
            .collect()
    }
}
