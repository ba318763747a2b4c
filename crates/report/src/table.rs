//! The terminal view: one row per finding, the evidence and data flows under it, then a summary line.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width};
use secreview_model::{Finding, Severity};

use crate::summary::{location, owasp_codes, percent, summary_line};
use crate::{ReportInput, Renderer, TableOptions};

/// The width used when the CLI does not pass the terminal's: wide enough for the fixed columns plus a readable
/// message column, narrow enough for a side-by-side terminal or a CI log.
pub const DEFAULT_WIDTH: u16 = 120;

/// `--format table`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableRenderer {
    pub options: TableOptions,
}

impl Renderer for TableRenderer {
    fn render(&self, input: &ReportInput) -> String {
        let mut out = String::new();
        if !input.findings.is_empty() {
            push_lines(&mut out, &self.table(input).lines().collect::<Vec<_>>());
            out.push('\n');
            let details = details(input.findings);
            if !details.is_empty() {
                push_lines(&mut out, &details);
                out.push('\n');
            }
        }
        let mut notes = Vec::new();
        for s in input.skipped {
            notes.push(format!("skipped {}: {}", s.path, s.reason.describe()));
        }
        for s in input.suppressions {
            let state = if s.expired {
                Some("expired")
            } else if s.used == 0 {
                Some("unused")
            } else {
                None
            };
            if let Some(state) = state {
                notes.push(format!(
                    "{state} suppression at {}:{} ({})",
                    s.path,
                    s.line,
                    s.rule_ids.join(", ")
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
    fn table(&self, input: &ReportInput) -> Table {
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(self.options.width.unwrap_or(DEFAULT_WIDTH))
            // The CLI has decided about colour; comfy-table must not look at stdout itself.
            .force_no_tty();
        if self.options.color {
            table.enforce_styling();
        }
        table.set_header(vec![
            "#", "Severity", "Conf.", "OWASP", "CWE", "Rule", "Location", "Message",
        ]);
        for (i, f) in input.findings.iter().enumerate() {
            let cwe = if f.cwe.is_empty() {
                "-".to_owned()
            } else {
                f.cwe_list()
            };
            table.add_row(vec![
                Cell::new(i + 1),
                self.severity_cell(f),
                Cell::new(percent(f.confidence)),
                Cell::new(owasp_codes(f)),
                Cell::new(cwe),
                Cell::new(&f.rule_id),
                Cell::new(location(f)),
                Cell::new(&f.message),
            ]);
        }
        self.constrain(&mut table, input.findings);
        table
    }

    /// Even splitting would break rule ids and paths mid-word while short columns waste space, so: the small
    /// columns keep their content width, OWASP and CWE wrap at their separators, rule and location stay whole
    /// when the width allows it, and the message takes the rest.
    fn constrain(&self, table: &mut Table, findings: &[Finding]) {
        let width = usize::from(self.options.width.unwrap_or(DEFAULT_WIDTH));
        let widest = |f: &dyn Fn(&Finding) -> usize| findings.iter().map(f).max().unwrap_or(0);
        // Widths include the one-space padding on each side.
        let rule = widest(&|f| f.rule_id.chars().count()).min(40) + 2;
        let loc = widest(&|f| location(f).chars().count()).min(48) + 2;
        let severity = widest(&|f| severity_text(f).chars().count()).max("Severity".len()) + 2;
        let number = findings.len().to_string().len() + 2;
        let (owasp, cwe) = (10 + 2, 9 + 2);
        let borders = 9;
        let message_min = 24 + 2;
        let need = number + severity + "Conf.".len() + 2 + owasp + cwe + rule + loc + borders + message_min;
        let fixed = |w: usize| Width::Fixed(u16::try_from(w).unwrap_or(u16::MAX));
        let mut constraints = vec![
            ColumnConstraint::ContentWidth,
            ColumnConstraint::ContentWidth,
            ColumnConstraint::ContentWidth,
            ColumnConstraint::UpperBoundary(fixed(owasp)),
            ColumnConstraint::UpperBoundary(fixed(cwe)),
        ];
        if need <= width {
            constraints.push(ColumnConstraint::LowerBoundary(fixed(rule)));
            constraints.push(ColumnConstraint::LowerBoundary(fixed(loc)));
        }
        table.set_constraints(constraints);
    }

    fn severity_cell(&self, f: &Finding) -> Cell {
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
        lines.push(format!("#{} {} at {}", i + 1, f.rule_id, location(f)));
        for e in &f.evidence {
            lines.push(format!(
                "    evidence  {}:{}  {}",
                e.location.path, e.location.start_line, e.note
            ));
        }
        for (step, e) in f.flow.iter().enumerate() {
            lines.push(format!(
                "    flow {}/{}  {}:{}  {}",
                step + 1,
                f.flow.len(),
                e.location.path,
                e.location.start_line,
                e.note
            ));
        }
    }
    lines
}

/// Appends lines without trailing whitespace (comfy-table pads the last column).
fn push_lines(out: &mut String, lines: &[String]) {
    for line in lines {
        out.push_str(line.trim_end());
        out.push('\n');
    }
}
