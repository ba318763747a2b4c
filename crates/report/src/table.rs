//! The terminal view: one row per finding, the evidence and data flows under it, then a summary line.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width};
use secreview_model::{Finding, Severity};

use crate::escape::escape_control as esc;
use crate::summary::{location, owasp_codes, percent, summary_line};
use crate::{Renderer, ReportInput, TableOptions};

/// The width used when the CLI does not pass the terminal's: wide enough for the fixed columns plus a readable
/// message column, narrow enough for a side-by-side terminal or a CI log.
pub const DEFAULT_WIDTH: u16 = 120;

/// A whole-tree scan can skip hundreds of binaries; the terminal shows the first few.
const MAX_SKIPPED_LINES: usize = 10;

/// `--format table`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableRenderer {
    pub options: TableOptions,
}

impl Renderer for TableRenderer {
    fn render(&self, input: &ReportInput) -> String {
        let mut out = String::new();
        // A person reads from the top: the riskiest finding first (severity, then confidence, then location), so
        // a critical token is never row 3 under two low notes. Machine formats keep the location order.
        let ordered: Vec<Finding> = crate::summary::by_risk(input.findings)
            .into_iter()
            .map(|(_, f)| f.clone())
            .collect();
        let input = &ReportInput {
            findings: &ordered,
            ..*input
        };
        if !input.findings.is_empty() {
            push_lines(&mut out, &self.table(input).lines().collect::<Vec<_>>());
            out.push('\n');
            let details = details(input.findings);
            if !details.is_empty() {
                push_lines(&mut out, &details);
                out.push('\n');
            }
        }
        let policy = crate::policy::plain_lines(input);
        if !policy.is_empty() {
            push_lines(&mut out, &policy);
            out.push('\n');
        }
        let mut notes = Vec::new();
        for s in input.skipped.iter().take(MAX_SKIPPED_LINES) {
            notes.push(format!(
                "skipped {}: {}",
                esc(&s.path),
                esc(&s.reason.describe())
            ));
        }
        if input.skipped.len() > MAX_SKIPPED_LINES {
            notes.push(format!(
                "… and {} more skipped files (the json and markdown formats list them all)",
                input.skipped.len() - MAX_SKIPPED_LINES
            ));
        }
        for s in input.suppressions {
            let state = if s.expired {
                Some("expired")
            } else if s.not_applied.is_some() {
                Some("not applied")
            } else if s.used == 0 {
                Some("unused")
            } else {
                None
            };
            if let Some(state) = state {
                notes.push(format!(
                    "{state} suppression at {}:{} ({})",
                    esc(&s.path),
                    s.line,
                    esc(&s.rule_ids.join(", "))
                ));
            }
        }
        if !notes.is_empty() {
            push_lines(&mut out, &notes);
            out.push('\n');
        }
        out.push_str(&summary_line(input));
        out.push('\n');
        out
    }
}

impl TableRenderer {
    fn table(self, input: &ReportInput) -> Table {
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(self.width())
            // The CLI has decided about colour; comfy-table must not look at stdout itself.
            .force_no_tty();
        if self.options.color {
            table.enforce_styling();
        }
        let layout = Layout::choose(input.findings, self.width());
        let mut header = vec!["#", "Severity", "Conf.", "OWASP", "CWE"];
        if layout.merged {
            header.push("Rule / Location");
        } else {
            header.extend(["Rule", "Location"]);
        }
        header.push("Message");
        table.set_header(header);
        for (i, f) in input.findings.iter().enumerate() {
            let cwe = if f.cwe.is_empty() {
                "-".to_owned()
            } else {
                f.cwe_list()
            };
            let mut row = vec![
                Cell::new(i + 1),
                self.severity_cell(f),
                Cell::new(percent(f.confidence)),
                Cell::new(owasp_codes(f)),
                Cell::new(cwe),
            ];
            if layout.merged {
                row.push(Cell::new(format!(
                    "{}\n{}",
                    esc(&f.rule_id),
                    location_cell(f)
                )));
            } else {
                row.extend([Cell::new(esc(&f.rule_id)), Cell::new(location_cell(f))]);
            }
            row.push(Cell::new(esc(&f.message)));
            table.add_row(row);
        }
        table.set_constraints(layout.constraints);
        table
    }

    fn width(self) -> u16 {
        self.options.width.unwrap_or(DEFAULT_WIDTH)
    }

    fn severity_cell(self, f: &Finding) -> Cell {
        let cell = Cell::new(severity_text(f));
        if !self.options.color {
            return cell;
        }
        match f.severity {
            Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
            Severity::High => cell.fg(Color::Red),
            Severity::Medium => cell.fg(Color::Yellow),
            Severity::Low => cell.fg(Color::Cyan),
            Severity::Info => cell.fg(Color::DarkGrey),
        }
    }
}

/// How the columns share the width. Even splitting (comfy-table's default) breaks rule ids and paths mid-word
/// while the short columns waste space, so: the small columns keep their content width, OWASP and CWE wrap at
/// their separators, rule id and location stay whole, and the message takes the rest. When rule and location
/// do not fit side by side next to a readable message, they share one column on two lines; on a very narrow
/// terminal comfy-table splits as it must.
struct Layout {
    merged: bool,
    constraints: Vec<ColumnConstraint>,
}

impl Layout {
    fn choose(findings: &[Finding], width: u16) -> Self {
        let width = usize::from(width);
        let widest = |f: &dyn Fn(&Finding) -> usize| findings.iter().map(f).max().unwrap_or(0);
        // Every width includes the one-space padding on each side.
        let rule = widest(&|f| esc(&f.rule_id).chars().count()).max(4) + 2;
        let loc = widest(&|f| {
            location_cell(f)
                .lines()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0)
        })
        .max(8)
            + 2;
        let severity = widest(&|f| severity_text(f).chars().count()).max("Severity".len()) + 2;
        let number = findings.len().to_string().len() + 2;
        let conf = "Conf.".len() + 2;
        let (owasp, cwe) = ("A01:2021 /".len() + 2, "CWE-1004,".len() + 2);
        let message = 30 + 2;
        let fixed = |w: usize| {
            ColumnConstraint::LowerBoundary(Width::Fixed(u16::try_from(w).unwrap_or(u16::MAX)))
        };
        let upper = |w: usize| {
            ColumnConstraint::UpperBoundary(Width::Fixed(u16::try_from(w).unwrap_or(u16::MAX)))
        };
        let base = number + severity + conf + owasp + cwe + message;
        let mut constraints = vec![
            ColumnConstraint::ContentWidth,
            ColumnConstraint::ContentWidth,
            ColumnConstraint::ContentWidth,
            upper(owasp),
            upper(cwe),
        ];
        // 9 borders with separate columns, 8 with the merged one.
        if base + rule + loc + 9 <= width {
            constraints.extend([fixed(rule), fixed(loc)]);
            return Self {
                merged: false,
                constraints,
            };
        }
        let merged = rule.max(loc);
        if base + merged + 8 <= width {
            constraints.push(fixed(merged));
        }
        Self {
            merged: true,
            constraints,
        }
    }
}

fn severity_text(f: &Finding) -> String {
    if f.warning_only {
        format!("{} (warn)", f.severity)
    } else {
        f.severity.to_string()
    }
}

/// Evidence and flow steps, keyed by the row number: the table stays one line per finding where it fits.
fn details(findings: &[Finding]) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if f.evidence.is_empty() && f.flow.is_empty() {
            continue;
        }
        lines.push(format!(
            "#{} {} at {}",
            i + 1,
            esc(&f.rule_id),
            shown_location(f)
        ));
        for e in &f.evidence {
            lines.push(format!(
                "    evidence  {}:{}  {}",
                esc(&e.location.path),
                e.location.start_line,
                esc(&e.note)
            ));
        }
        for (step, e) in f.flow.iter().enumerate() {
            lines.push(format!(
                "    flow {}/{}  {}:{}  {}",
                step + 1,
                f.flow.len(),
                esc(&e.location.path),
                e.location.start_line,
                esc(&e.note)
            ));
        }
    }
    lines
}

/// `path:line` with the path's control characters escaped, and `in commit abc1234` for a finding made in an
/// earlier commit of a range (its path may not exist at the head).
fn shown_location(f: &Finding) -> String {
    let loc = esc(&location(f)).into_owned();
    match crate::summary::commit_note(f) {
        Some(note) => format!("{loc} {note}"),
        None => loc,
    }
}

/// The location cell: [`shown_location`] with the commit note on a line of its own, so it never wraps mid-id.
fn location_cell(f: &Finding) -> String {
    let loc = esc(&location(f)).into_owned();
    match crate::summary::commit_note(f) {
        Some(note) => format!("{loc}\n{note}"),
        None => loc,
    }
}

/// Appends lines without trailing whitespace (comfy-table pads the last column).
fn push_lines(out: &mut String, lines: &[String]) {
    for line in lines {
        out.push_str(line.trim_end());
        out.push('\n');
    }
}
