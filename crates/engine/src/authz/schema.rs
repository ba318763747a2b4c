//! Request schemas that carry privileged fields, wherever they are defined: a Pydantic model or a DRF serializer
//! in this module or another one of the project (followed through imports and project base classes).
//!
//! A typed schema is an allow-list, so copying it whole into a model is safe only when the list holds nothing a
//! client must not set. This module answers which privileged fields (`_frameworks.toml` `privileged_fields`) a
//! schema lets through, and where it declares them.

use secreview_syntax::{ParsedFile, named_children};
use tree_sitter::Node;

use super::imported::top_level;
use super::model::{Ev, Names};
use crate::project::Project;

/// Base classes followed upwards (`UserUpdate(UserBase)`, `UserBase(SQLModel)`).
const MAX_BASES: usize = 3;

/// Privileged fields a schema lets a client set, with the evidence where the schema declares them.
#[derive(Debug, Clone)]
pub(crate) struct Privileged {
    /// The schema class (or the field that makes it privileged), in the module that defines it.
    pub at: Ev,
}

/// The privileged, client-writable fields of the class `name` as the module at `path` (parsed as `p`) knows it.
pub(crate) fn privileged_fields(
    project: &Project,
    path: &str,
    p: &ParsedFile,
    name: &str,
    names: &Names,
) -> Option<Privileged> {
    let (path, p, class) = class_def(project, path, p, name)?;
    let mut fields = Vec::new();
    let mut first: Option<Node<'_>> = None;
    collect(project, path, p, class, names, 0, &mut fields, &mut first);
    privileged_at(path, p, class, name, fields, first)
}

/// The privileged model fields a Django generic editing view's own form lets the client set: its `model =` and
/// `fields =` (`"__all__"` or a list), less `read_only_fields` — the same keys a DRF or `ModelForm` `Meta` holds.
pub(crate) fn view_form_fields(
    project: &Project,
    path: &str,
    p: &ParsedFile,
    view: Node<'_>,
    names: &Names,
) -> Option<Privileged> {
    let mut fields = Vec::new();
    let mut first: Option<Node<'_>> = None;
    let mut read_only = Vec::new();
    meta_fields(
        project,
        path,
        p,
        view,
        names,
        &mut fields,
        &mut first,
        &mut read_only,
    );
    fields.retain(|f| !read_only.contains(f));
    privileged_at(path, p, view, "the view", fields, first)
}

/// A [`Privileged`] naming `fields` at the first declaration that lets one through (or the class).
fn privileged_at(
    path: &str,
    p: &ParsedFile,
    class: Node<'_>,
    name: &str,
    mut fields: Vec<String>,
    first: Option<Node<'_>>,
) -> Option<Privileged> {
    fields.sort();
    fields.dedup();
    if fields.is_empty() {
        return None;
    }
    let cname = class
        .child_by_field_name("name")
        .map_or(name, |n| p.text(n));
    let at_node = first.unwrap_or(class);
    let (line, col) = p.line_col(at_node.start_byte());
    let mut at = Ev::new(
        line,
        col,
        format!(
            "`{cname}` lets the client set {}",
            fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    at.origin = Some((path.to_owned(), line, col));
    Some(Privileged { at })
}

/// The class definition of `name`: here, or in the module an import names.
fn class_def<'p>(
    project: &'p Project,
    path: &'p str,
    p: &'p ParsedFile,
    name: &str,
) -> Option<(&'p str, &'p ParsedFile, Node<'p>)> {
    let short = name.rsplit('.').next().unwrap_or(name);
    if !name.contains('.')
        && let Some(c) = top_level(p, short).filter(|c| c.kind() == "class_definition")
    {
        return Some((path, p, c));
    }
    let (module, symbol) = project.resolve_name(path, name)?;
    let module = project.module_path(&module)?;
    let mp = project.parsed(module)?;
    let c = top_level(mp, &symbol).filter(|c| c.kind() == "class_definition")?;
    Some((module, mp, c))
}

#[allow(clippy::too_many_arguments)]
fn collect<'p>(
    project: &'p Project,
    path: &'p str,
    p: &'p ParsedFile,
    class: Node<'p>,
    names: &Names,
    depth: usize,
    out: &mut Vec<String>,
    first: &mut Option<Node<'p>>,
) {
    let Some(body) = class.child_by_field_name("body") else {
        return;
    };
    let mut read_only: Vec<String> = Vec::new();
    for stmt in named_children(body) {
        // DRF `class Meta: fields = "__all__"` / `fields = [...]`, `read_only_fields = [...]`.
        if stmt.kind() == "class_definition"
            && stmt
                .child_by_field_name("name")
                .is_some_and(|n| p.text(n) == "Meta")
        {
            meta_fields(project, path, p, stmt, names, out, first, &mut read_only);
            continue;
        }
        let Some(assign) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let Some(left) = assign
            .child_by_field_name("left")
            .filter(|l| l.kind() == "identifier")
        else {
            continue;
        };
        let field = p.text(left);
        let value = assign
            .child_by_field_name("right")
            .map_or("", |r| p.text(r));
        // `role: str = "member"` (Pydantic, dataclasses) or `role = serializers.CharField()` (DRF, marshmallow);
        // a read-only declaration is output, not input.
        let declared = assign.child_by_field_name("type").is_some()
            || value.contains("Field(") && !value.contains("read_only=True");
        let excluded = value.contains("exclude=True") || value.contains("frozen=True");
        if declared && !excluded && names.is_privileged_field(field) {
            out.push(field.to_owned());
            first.get_or_insert(assign);
        }
    }
    out.retain(|f| !read_only.contains(f));
    if depth >= MAX_BASES {
        return;
    }
    let Some(bases) = class.child_by_field_name("superclasses") else {
        return;
    };
    for b in named_children(bases).filter(|b| matches!(b.kind(), "identifier" | "attribute")) {
        if let Some((bp_path, bp, bc)) = class_def(project, path, p, p.text(b)) {
            collect(project, bp_path, bp, bc, names, depth + 1, out, first);
        }
    }
}

/// DRF `Meta`: listed fields that are privileged and not read-only; `"__all__"` takes the model's fields.
#[allow(clippy::too_many_arguments)]
fn meta_fields<'p>(
    project: &'p Project,
    path: &'p str,
    p: &'p ParsedFile,
    meta: Node<'p>,
    names: &Names,
    out: &mut Vec<String>,
    first: &mut Option<Node<'p>>,
    read_only: &mut Vec<String>,
) {
    let Some(body) = meta.child_by_field_name("body") else {
        return;
    };
    let mut model: Option<&str> = None;
    let mut listed: Option<Node<'p>> = None;
    for stmt in named_children(body) {
        let Some(assign) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let key = assign.child_by_field_name("left").map_or("", |l| p.text(l));
        let Some(value) = assign.child_by_field_name("right") else {
            continue;
        };
        match key {
            "model" => model = Some(p.text(value)),
            "fields" => listed = Some(assign),
            "read_only_fields" => read_only.extend(strings(p, value)),
            _ => {}
        }
    }
    let Some(listed) = listed else { return };
    let value = listed
        .child_by_field_name("right")
        .map_or("", |v| p.text(v));
    if value.contains("__all__") {
        // Every model field is writable: the model's privileged fields pass.
        if let Some(m) = model
            && let Some((_, mp, mc)) = class_def(project, path, p, m)
        {
            let before = out.len();
            model_fields(mp, mc, names, out);
            if out.len() > before {
                first.get_or_insert(listed);
            }
        }
        return;
    }
    if let Some(v) = listed.child_by_field_name("right") {
        for f in strings(p, v) {
            if names.is_privileged_field(&f) {
                out.push(f);
                first.get_or_insert(listed);
            }
        }
    }
}

/// Privileged fields a Django model declares (`role = models.CharField(…)`, `owner = models.ForeignKey(…)`).
fn model_fields(p: &ParsedFile, class: Node<'_>, names: &Names, out: &mut Vec<String>) {
    let Some(body) = class.child_by_field_name("body") else {
        return;
    };
    for stmt in named_children(body) {
        let Some(assign) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let field = assign.child_by_field_name("left").map_or("", |l| p.text(l));
        let value = assign
            .child_by_field_name("right")
            .map_or("", |v| p.text(v));
        if value.contains("Field(") || value.contains("ForeignKey(") {
            let editable = !value.contains("editable=False");
            if editable && names.is_privileged_field(field) {
                out.push(field.to_owned());
            }
        }
    }
}

fn strings(p: &ParsedFile, n: Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    secreview_syntax::walk(n, &mut |c| {
        if c.kind() == "string" {
            out.push(
                p.text(c)
                    .trim_matches(|ch| ch == '"' || ch == '\'')
                    .to_owned(),
            );
            return false;
        }
        true
    });
    out
}
