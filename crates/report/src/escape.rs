//! Making untrusted text inert on a screen. Paths, code and comments come from the branch under review, so a
//! file name can hold an escape sequence that clears the terminal, retitles the window or plants an OSC 8 link,
//! and a newline that starts a forged line (`::error file=…` in a CI log). Every human-facing renderer passes
//! such text through [`escape_control`] first; machine formats (JSON, SARIF, GitLab) keep the exact text, since
//! their encoders escape control characters themselves.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character written out as a visible escape: `\n`, `\r`, `\t`, `\x1b` for the other
/// C0 controls, DEL and C1 controls (`\x9b`, the one-byte CSI, included), and `\u{202e}` for the Unicode
/// characters that reorder or break lines when displayed (bidirectional overrides and isolates, line and
/// paragraph separators). Escaping ESC itself defuses every escape sequence that starts with it.
///
/// Backslashes are left alone: a file really named `a\x1b` then reads like an escaped one, which is confusing
/// but harmless; doubling every backslash would make Windows-style text hard to read everywhere.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    escape_with(text, |_| false)
}

/// As [`escape_control`], but tabs and line feeds stay: for code blocks, whose lines are shown as lines.
pub fn escape_control_in_block(text: &str) -> Cow<'_, str> {
    escape_with(text, |c| c == '\n' || c == '\t')
}

fn escape_with(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_unsafe(c) || keep(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c)); // into a `String`: cannot fail
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// C0, DEL and C1 (`char::is_control`), plus the format characters that change how the text around them is
/// laid out.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'
                ..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_line_breaks_become_visible() {
        assert_eq!(escape_control("app.py"), "app.py");
        assert!(matches!(escape_control("app.py"), Cow::Borrowed(_)));
        assert_eq!(
            escape_control("a\u{1b}[2J\u{1b}]0;owned\u{7}b"),
            "a\\x1b[2J\\x1b]0;owned\\x07b"
        );
        assert_eq!(
            escape_control("x\n::error file=a.py::forged"),
            "x\\n::error file=a.py::forged"
        );
        assert_eq!(escape_control("\r\t\u{7f}\u{9b}"), "\\r\\t\\x7f\\x9b");
        assert_eq!(escape_control("a\u{202e}b\u{2028}"), "a\\u{202e}b\\u{2028}");
        assert_eq!(escape_control("tab\there é ✓"), "tab\\there é ✓");
    }

    #[test]
    fn blocks_keep_their_lines_and_indentation() {
        assert_eq!(
            escape_control_in_block("\tx = 1\n\u{1b}[31my\r"),
            "\tx = 1\n\\x1b[31my\\r"
        );
    }
}
