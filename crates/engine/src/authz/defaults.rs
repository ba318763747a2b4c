//! Project-wide defaults a view inherits without naming them: Django REST framework's
//! `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]` in the settings modules (`Project::settings`).
//!
//! A DRF view that sets no `permission_classes` gets these; a settings module that configures DRF without the key
//! leaves DRF's own default, `AllowAny`. With no settings module in sight the default is unknown, and the views
//! are left as they were (silent where a default could protect them).

use secreview_syntax::{ParsedFile, named_children, walk};
use tree_sitter::Node;

use super::imported::Fact;
use crate::project::Project;

/// The default permission classes of the project's DRF views, with where they are set.
#[derive(Debug, Clone)]
pub(crate) struct DrfDefaults {
    /// Class names (`IsAuthenticated`), the last segment of each dotted path.
    pub classes: Vec<String>,
    /// The settings line that sets them, or the `REST_FRAMEWORK` assignment that leaves DRF's `AllowAny`.
    pub at: Fact,
}

/// The defaults, read from the first settings module that sets the key (one that requires something wins over one
/// that lets everyone in: a development settings file often opens what production closes), else the first that
/// configures DRF at all.
pub(crate) fn drf_defaults(project: &Project, allow_all: &[String]) -> Option<DrfDefaults> {
    let mut open: Option<DrfDefaults> = None;
    for path in project.settings() {
        let Some(p) = project.parsed(path) else {
            continue;
        };
        let Some(found) = settings_defaults(path, p) else {
            continue;
        };
        let lets_everyone_in = found
            .classes
            .iter()
            .all(|c| allow_all.iter().any(|a| a == c));
        if !lets_everyone_in {
            return Some(found);
        }
        open = open.or(Some(found));
    }
    open
}

/// `REST_FRAMEWORK = {…}` at the top level of one settings module.
fn settings_defaults(path: &str, p: &ParsedFile) -> Option<DrfDefaults> {
    let mut found = None;
    for stmt in named_children(p.tree.root_node()) {
        let Some(assign) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let (Some(left), Some(right)) = (
            assign.child_by_field_name("left"),
            assign.child_by_field_name("right"),
        ) else {
            continue;
        };
        if p.text(left) != "REST_FRAMEWORK" || right.kind() != "dictionary" {
            continue;
        }
        found = Some(match permission_pair(p, right) {
            Some((pair, value)) => DrfDefaults {
                classes: class_names(p, value),
                at: fact(
                    path,
                    p,
                    pair,
                    "`DEFAULT_PERMISSION_CLASSES` in the settings",
                ),
            },
            None => DrfDefaults {
                classes: vec!["AllowAny".into()],
                at: fact(
                    path,
                    p,
                    stmt,
                    "`REST_FRAMEWORK` sets no `DEFAULT_PERMISSION_CLASSES`, so DRF's `AllowAny` applies",
                ),
            },
        });
    }
    found
}

fn permission_pair<'t>(p: &ParsedFile, dict: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    named_children(dict)
        .filter(|n| n.kind() == "pair")
        .find_map(|pair| {
            let key = pair.child_by_field_name("key")?;
            let k = p.text(key).trim_matches(|c| c == '"' || c == '\'');
            (k == "DEFAULT_PERMISSION_CLASSES")
                .then_some((pair, pair.child_by_field_name("value")?))
        })
}

/// `["rest_framework.permissions.IsAuthenticated", "app.permissions.IsOwner"]` → the class names.
fn class_names(p: &ParsedFile, value: Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    walk(value, &mut |n| {
        if n.kind() == "string" {
            let s = p.text(n).trim_matches(|c| c == '"' || c == '\'');
            out.push(s.rsplit('.').next().unwrap_or(s).to_owned());
            return false;
        }
        true
    });
    out
}

fn fact(path: &str, p: &ParsedFile, n: Node<'_>, note: &str) -> Fact {
    let (line, col) = p.line_col(n.start_byte());
    Fact {
        path: path.to_owned(),
        line,
        col,
        note: note.to_owned(),
    }
}
