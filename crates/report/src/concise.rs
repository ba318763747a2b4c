//! `--format concise`: one line per finding, `path:line:col: severity rule-id message`, for grep, editors'
//! quickfix lists and reviewdog's `errorformat` (`%f:%l:%c: %m`). No header and no summary: every line parses.

use secreview_model::Finding;

use crate::escape::escape_control as esc;
use crate::summary::commit_note;
use crate::{Renderer, ReportInput};

/// `--format concise`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConciseRenderer;

impl Renderer for ConciseRenderer {
    fn render(&self, input: &ReportInput) -> String {
        let mut out = String::new();
        for f in input.findings {
            out.push_str(&line(f));
            out.push('\n');
        }
        out
    }
}

/// One finding. Control characters are escaped (a path or message cannot start a forged line); a warning-only
/// finding says so after its severity, and a finding from an earlier commit of a range names the commit.
pub(crate) fn line(f: &Finding) -> String {
    let loc = &f.location;
    let severity = if f.warning_only {
        format!("{} (warn)", f.severity)
    } else {
        f.severity.to_string()
    };
    let mut message = esc(f.message.trim_end_matches('.')).into_owned();
    if let Some(note) = commit_note(f) {
        message.push_str(" (");
        message.push_str(&note);
        message.push(')');
    }
    format!(
        "{}:{}:{}: {severity} {} {message}",
        esc(&loc.path),
        loc.start_line.max(1),
        loc.start_col.max(1),
        esc(&f.rule_id),
    )
}
