//! The `query` matcher: tree-sitter queries compiled once (in the rules crate) and run here per file.

use secreview_rules::{CompiledQuery, CompiledRule, Matcher, QueryParts};
use secreview_syntax::ParsedFile;
use tree_sitter::{QueryCapture, QueryCursor, StreamingIterator};

use crate::context;
use crate::emit::Hit;
use crate::file::FileCtx;

pub(crate) fn run(rule: &CompiledRule, ctx: &FileCtx<'_>, parsed: &ParsedFile, out: &mut Vec<Hit>) {
    let Matcher::Query(queries) = &rule.matcher else {
        return;
    };
    for q in queries.iter().filter(|q| q.lang == parsed.lang) {
        if q.may_match(ctx.text(), &|k| ctx.lower_contains(k)) {
            run_query(q, rule.meta.confidence, ctx, parsed, out);
        }
    }
}

fn run_query(
    q: &CompiledQuery,
    confidence: f32,
    ctx: &FileCtx<'_>,
    parsed: &ParsedFile,
    out: &mut Vec<Hit>,
) {
    let Some(parts) = q.parts() else {
        return;
    };
    let confidence = q.confidence.unwrap_or(confidence);
    let root = parsed.tree.root_node();
    let text = parsed.text.as_bytes();
    let scopes = parts.not_inside.as_ref().map(|nq| {
        let scope = nq.capture_index_for_name("scope").unwrap_or(0);
        let mut cursor = QueryCursor::new();
        let mut ranges = Vec::new();
        let mut it = cursor.matches(nq, root, text);
        while let Some(m) = it.next() {
            ranges.extend(
                m.captures()
                    .iter()
                    .filter(|c| c.index == scope)
                    .map(|c| c.node.byte_range()),
            );
        }
        ranges
    });
    let mut cursor = QueryCursor::new();
    // Rules see the whole file, but only matches touching the changed lines can be reported: skip the rest.
    if let Some((first, last)) = ctx.added_span() {
        cursor.set_point_range(
            tree_sitter::Point::new(first as usize - 1, 0)
                ..tree_sitter::Point::new(last as usize, 0),
        );
    }
    let mut it = cursor.matches(&parts.query, root, text);
    while let Some(m) = it.next() {
        for cap in m.captures().iter().filter(|c| c.index == parts.capture) {
            let node = cap.node;
            let inside = scopes.as_ref().is_some_and(|rs| {
                rs.iter()
                    .any(|r| r.start <= node.start_byte() && node.end_byte() <= r.end)
            });
            if inside {
                continue;
            }
            let reasons = if parts.context.is_empty() {
                Vec::new()
            } else {
                match context::check(parsed, node, &parts.context) {
                    Some(r) => r,
                    None => continue,
                }
            };
            let start = parsed.line_col(node.start_byte());
            let end = parsed.line_col(node.end_byte());
            let detail = if let Some(template) = &q.detail {
                fill_detail(template, parts, m.captures(), parsed, &reasons)
            } else {
                let first_line = parsed.text(node).lines().next().unwrap_or("");
                crate::redact::excerpt(first_line.trim(), 80)
            };
            let mut hit = Hit::span(start, end, confidence).detail(detail);
            hit.severity = q.severity;
            out.push(hit);
        }
    }
}

/// A query's `detail` template with `{@capture}` replaced by the capture's first line and `{context}` by the
/// reasons its context requirements found.
fn fill_detail(
    template: &str,
    parts: &QueryParts,
    captures: &[QueryCapture<'_>],
    parsed: &ParsedFile,
    reasons: &[String],
) -> String {
    let mut out = template.replace("{context}", &reasons.join("; "));
    for (index, name) in &parts.detail_captures {
        let text = captures
            .iter()
            .find(|c| c.index == *index)
            .map(|c| {
                let first = parsed.text(c.node).lines().next().unwrap_or("");
                crate::redact::excerpt(first.trim(), 60)
            })
            .unwrap_or_default();
        out = out.replace(&format!("{{@{name}}}"), &text);
    }
    out
}
