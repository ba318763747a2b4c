//! Inline suppressions: `secreview: ignore[rule-id, other-id] reason until=YYYY-MM-DD` in a comment on the flagged
//! line or on the line above. A reason is required — a suppression without one suppresses nothing and is itself
//! reported, as are unused and expired ones, so stale ignores do not pile up silently.

use secreview_model::{ChangedFile, FileStatus, Suppression};

use crate::InlineSuppressions;

const MARKER: &str = "secreview: ignore[";

/// Every suppression comment in `text`, in line order.
pub(crate) fn parse(path: &str, text: &str) -> Vec<Suppression> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    // The engine's line breaks (a lone `\r` too), so a suppression names the line its finding is on.
    secreview_model::split_lines(text)
        .enumerate()
        .filter_map(|(i, line)| parse_line(path, i as u32 + 1, line))
        .collect()
}

fn parse_line(path: &str, line: u32, text: &str) -> Option<Suppression> {
    let at = text.find(MARKER)?;
    if !in_comment(&text[..at], comment_tokens(path)) {
        return None;
    }
    let rest = &text[at + MARKER.len()..];
    let close = rest.find(']')?;
    let rule_ids: Vec<String> = rest[..close]
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let mut until = None;
    let mut words = Vec::new();
    for w in rest[close + 1..].split_whitespace() {
        match w.strip_prefix("until=") {
            Some(date) => until = Some(date.to_owned()),
            None => words.push(w),
        }
    }
    let reason = words.join(" ");
    // Block-comment closers are syntax, not part of the reason.
    let reason = reason
        .trim_end_matches("*/")
        .trim_end_matches("-->")
        .trim()
        .to_owned();
    let before = text[..at].trim();
    let own_line = before.is_empty() || ["#", "//", "/*", "--", "<!--", "*"].contains(&before);
    Some(Suppression {
        covers_next_line: own_line,
        path: path.to_owned(),
        line,
        rule_ids,
        reason,
        until,
        used: 0,
        expired: false,
        not_applied: None,
    })
}

/// Whether the marker that follows `before` sits in a comment: a comment token precedes it, and that token is not
/// itself inside a string or a Markdown code span (documentation that shows the syntax is not a suppression).
fn in_comment(before: &str, tokens: &[&str]) -> bool {
    let Some(start) = tokens.iter().filter_map(|t| before.find(t)).min() else {
        return false;
    };
    let (code, comment) = before.split_at(start);
    ['"', '\'', '`']
        .iter()
        .all(|q| code.matches(*q).count() % 2 == 0)
        && comment.matches('`').count() % 2 == 0
}

/// The comment tokens of a file's language (`--` is SQL's comment but a CLI flag inside a Python string).
fn comment_tokens(path: &str) -> &'static [&'static str] {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "py" | "pyi" | "sh" | "bash" | "yaml" | "yml" | "toml" | "env" | "ini" | "cfg" | "conf"
        | "properties" | "rb" | "pl" | "r" | "dockerfile" | "tf" | "hcl" => &["#"],
        "rs" | "go" | "js" | "jsx" | "ts" | "tsx" | "java" | "kt" | "c" | "h" | "cc" | "cpp"
        | "cs" | "swift" | "scala" | "php" | "json5" => &["//", "/*"],
        "sql" | "lua" | "hs" => &["--"],
        "html" | "htm" | "xml" | "md" | "vue" | "svelte" => &["<!--"],
        _ => &["#", "//", "/*", "--", "<!--"],
    }
}

/// True when `s` covers a finding of `rule_id` on `line`.
pub(crate) fn covers(s: &Suppression, rule_id: &str, line: u32) -> bool {
    (s.line == line || s.covers_next_line && s.line + 1 == line)
        && s.rule_ids.iter().any(|r| r == rule_id)
}

/// Why a suppression that names a finding's rule and line does not hide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The comment predates the change but the flagged lines are new or changed: it was written for other code.
    Stale,
    /// The scanned change adds the comment itself, and the policy comes from the base (`--policy-from-base`).
    AddedByChange,
    /// `--no-inline-suppressions`.
    Disabled,
}

impl Refusal {
    /// The evidence note on the finding that is reported instead.
    pub(crate) fn note(self, rule_id: &str, line: u32) -> String {
        match self {
            Refusal::Stale => format!(
                "stale suppression: this `secreview: ignore[{rule_id}]` predates the change and was written for the \
                 code as it was then; line {line} is new or changed, so the finding is reported"
            ),
            Refusal::AddedByChange => format!(
                "this `secreview: ignore[{rule_id}]` is added by the change under review and is not applied: \
                 --policy-from-base honours only suppressions already on the base"
            ),
            Refusal::Disabled => {
                format!(
                    "this `secreview: ignore[{rule_id}]` is not applied: --no-inline-suppressions"
                )
            }
        }
    }

    /// Why a suppression is marked not applied in the report (`None`: a stale one is not listed there).
    pub(crate) fn not_applied(self) -> Option<&'static str> {
        match self {
            Refusal::Stale => None,
            Refusal::AddedByChange => Some(
                "added by the change under review; --policy-from-base honours only the base's suppressions",
            ),
            Refusal::Disabled => Some("--no-inline-suppressions"),
        }
    }
}

/// Whether suppression `s` may hide a finding spanning `start..=end` of `file`. A suppression covers only the
/// code it was written for: one that predates the change does not cover lines the change added or rewrote
/// under it. A whole-tree scan has no before and after, so only `--no-inline-suppressions` refuses there.
pub(crate) fn refusal(
    s: &Suppression,
    file: &ChangedFile,
    (start, end): (u32, u32),
    mode: InlineSuppressions,
) -> Option<Refusal> {
    if mode == InlineSuppressions::Ignore {
        return Some(Refusal::Disabled);
    }
    if file.status == FileStatus::Unchanged {
        return None;
    }
    let comment_added = file.added.contains(s.line);
    if !comment_added && file.added.intersects(start, end) {
        return Some(Refusal::Stale);
    }
    if comment_added && mode == InlineSuppressions::FromBase {
        return Some(Refusal::AddedByChange);
    }
    None
}

/// Where the same comment stood in the base version of the file, if it did: a moved suppression.
pub(crate) fn old_line(file: &ChangedFile, line_text: &str) -> Option<u32> {
    let wanted = line_text.trim();
    file.old_text
        .as_deref()?
        .lines()
        .enumerate()
        .find_map(|(i, l)| (l.trim() == wanted).then(|| u32::try_from(i + 1).unwrap_or(u32::MAX)))
}

/// `YYYY-MM-DD`.
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Whether a suppression may suppress at all: it has a reason and has not expired (`today` is `YYYY-MM-DD`;
/// ISO dates compare correctly as strings).
pub(crate) fn effective(s: &Suppression, today: &str) -> bool {
    !s.reason.is_empty()
        && !s.rule_ids.is_empty()
        && s.until.as_deref().is_none_or(|u| is_date(u) && u >= today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_reason_and_expiry() {
        let s = parse(
            "a.py",
            "x = 1\nq = eval(y)  # secreview: ignore[eval-of-request-data, other] trusted admin tool until=2027-01-31\n",
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].line, 2);
        assert_eq!(s[0].rule_ids, ["eval-of-request-data", "other"]);
        assert_eq!(s[0].reason, "trusted admin tool");
        assert_eq!(s[0].until.as_deref(), Some("2027-01-31"));
        assert!(
            covers(&s[0], "other", 2) && !covers(&s[0], "other", 3),
            "a trailing comment covers its own line"
        );
        let own = parse("a.py", "# secreview: ignore[r] why\nx = 1\n");
        assert!(covers(&own[0], "r", 2) && !covers(&own[0], "r", 3));
        assert!(effective(&s[0], "2026-11-24"));
        assert!(!effective(&s[0], "2027-02-01"));
    }

    #[test]
    fn markers_in_strings_and_code_spans_are_not_suppressions() {
        assert!(parse("a.rs", "let s = \"# secreview: ignore[r] why\";\n").is_empty());
        assert!(parse("README.md", "write `# secreview: ignore[r] why` above\n").is_empty());
        assert!(parse("a.py", "x = f('y')  # secreview: ignore[r] why\n").len() == 1);
        assert!(parse("a.txt", "secreview: ignore[r] why\n").is_empty());
        assert!(
            parse(
                "a.py",
                "os.system(\"ls --all \" + q)  # secreview: ignore[r] why\n"
            )
            .len()
                == 1
        );
        assert!(parse("a.py", "x = 1  -- secreview: ignore[r] why\n").is_empty());
        assert!(parse("a.rs", "//! write `secreview: ignore[r] why` to suppress\n").is_empty());
    }

    #[test]
    fn a_suppression_without_reason_is_not_effective() {
        let s = parse("a.rs", "// secreview: ignore[sql-string-built]\n");
        assert_eq!(s[0].reason, "");
        assert!(!effective(&s[0], "2026-01-01"));
        let s = parse("a.rs", "/* secreview: ignore[sql-string-built] */\n");
        assert_eq!(s[0].reason, "");
    }

    /// `# ignore` on line 2 above a call on line 3, in a file whose base had both lines.
    fn changed(added: &[u32], status: FileStatus) -> (ChangedFile, Suppression) {
        let text = "import os\n# secreview: ignore[r] why\nos.system(x)\nos.system(y)\n";
        let mut file = ChangedFile::whole("a.py", text.to_owned());
        file.status = status;
        if status != FileStatus::Unchanged {
            file.added = secreview_model::LineSet::new();
            for &l in added {
                file.added.insert(l);
            }
        }
        let s = parse("a.py", text).remove(0);
        (file, s)
    }

    #[test]
    fn a_suppression_covers_only_the_code_it_was_written_for() {
        use InlineSuppressions::{FromBase, Honour, Ignore};
        let m = FileStatus::Modified;
        // Old comment, target rewritten (or a multi-line span reaching a new line): stale.
        let (f, s) = changed(&[3], m);
        assert_eq!(refusal(&s, &f, (3, 3), Honour), Some(Refusal::Stale));
        let (f, s) = changed(&[4], m);
        assert_eq!(refusal(&s, &f, (3, 4), Honour), Some(Refusal::Stale));
        // Old comment over an old line (a regression finding): still applies.
        let (f, s) = changed(&[4], m);
        assert_eq!(refusal(&s, &f, (3, 3), Honour), None);
        // Comment added with the code: applies, unless the policy comes from the base.
        let (f, s) = changed(&[2, 3], m);
        assert_eq!(refusal(&s, &f, (3, 3), Honour), None);
        assert_eq!(
            refusal(&s, &f, (3, 3), FromBase),
            Some(Refusal::AddedByChange)
        );
        assert_eq!(refusal(&s, &f, (3, 3), Ignore), Some(Refusal::Disabled));
        // A whole-tree scan has no before and after.
        let (f, s) = changed(&[], FileStatus::Unchanged);
        assert_eq!(refusal(&s, &f, (3, 3), FromBase), None);
        assert_eq!(refusal(&s, &f, (3, 3), Ignore), Some(Refusal::Disabled));
    }
}
