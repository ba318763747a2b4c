//! Line breaks, defined once for every crate: `\n`, `\r\n` and a lone `\r` (old Mac files, which Python accepts)
//! each end a line. The diff's added-line sets, the parser's rows, the engine's line index and the suppression
//! scanner all count lines this way, so a finding lands on the line an editor shows.

use std::borrow::Cow;

/// Byte offsets where each line starts; the first is always 0. A trailing line break starts an empty last line.
pub fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        let breaks = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        if breaks {
            starts.push(i + 1);
        }
    }
    starts
}

/// The lines of `text` without their line breaks, like [`str::lines`] but also splitting on a lone `\r`.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let starts = line_starts(text);
    let n = if starts.last() == Some(&text.len()) {
        starts.len() - 1
    } else {
        starts.len()
    };
    (0..n).map(move |i| {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        strip_line_break(&text[starts[i]..end])
    })
}

/// `line` without the one line break (`\r\n`, `\n` or `\r`) it may end with.
pub fn strip_line_break(line: &str) -> &str {
    line.strip_suffix("\r\n")
        .or_else(|| line.strip_suffix('\n'))
        .or_else(|| line.strip_suffix('\r'))
        .unwrap_or(line)
}

/// `text` with every lone `\r` turned into `\n`: same length and byte offsets, and line numbers that tools
/// splitting on `\n` only (tree-sitter's rows, git's diff) agree with. Borrowed when there is no lone `\r`.
pub fn lone_cr_to_lf(text: &[u8]) -> Cow<'_, [u8]> {
    let lone = |i: usize| text[i] == b'\r' && text.get(i + 1) != Some(&b'\n');
    if !(0..text.len()).any(lone) {
        return Cow::Borrowed(text);
    }
    let out = (0..text.len())
        .map(|i| if lone(i) { b'\n' } else { text[i] })
        .collect();
    Cow::Owned(out)
}

/// [`lone_cr_to_lf`] for text.
pub fn lone_cr_to_lf_str(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    if !(0..bytes.len()).any(lone) {
        return Cow::Borrowed(text);
    }
    let out = text
        .char_indices()
        .map(|(i, c)| if c == '\r' && lone(i) { '\n' } else { c })
        .collect();
    Cow::Owned(out)
}

/// Number of lines as editors count them: a trailing line break does not start a new line.
pub fn count_lines(text: &str) -> u32 {
    if text.is_empty() {
        return 0;
    }
    let starts = line_starts(text);
    let n = if starts.last() == Some(&text.len()) {
        starts.len() - 1
    } else {
        starts.len()
    };
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_break_style_ends_a_line() {
        let text = "a\nb\r\nc\rd\r\re";
        assert_eq!(line_starts(text), vec![0, 2, 5, 7, 9, 10]);
        let lines: Vec<&str> = split_lines(text).collect();
        assert_eq!(lines, ["a", "b", "c", "d", "", "e"]);
        assert_eq!(count_lines(text), 6);
    }

    #[test]
    fn counts_lines_like_an_editor() {
        assert_eq!(count_lines(""), 0);
        assert_eq!(count_lines("a"), 1);
        assert_eq!(count_lines("a\n"), 1);
        assert_eq!(count_lines("a\nb"), 2);
        assert_eq!(count_lines("a\r"), 1);
        assert_eq!(count_lines("a\r\n\r"), 2);
        assert_eq!(split_lines("a\r\n\r").collect::<Vec<_>>(), ["a", ""]);
    }

    #[test]
    fn split_lines_agrees_with_str_lines_without_lone_cr() {
        for text in ["", "\n", "a\n\nb", "a\r\nb\r\n", "x"] {
            assert_eq!(
                split_lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn lone_cr_becomes_lf_and_crlf_stays() {
        assert_eq!(&*lone_cr_to_lf(b"a\rb\r\nc\r"), b"a\nb\r\nc\n");
        assert!(matches!(lone_cr_to_lf(b"a\r\nb"), Cow::Borrowed(_)));
        assert_eq!(lone_cr_to_lf_str("é\rü"), "é\nü");
    }
}
