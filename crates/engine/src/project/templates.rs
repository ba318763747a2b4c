//! Template files (`.html`, `.jinja`) that the changed Python modules name, kept for the taint rule that follows
//! a request value into a template printing it unescaped. A template is kept only when a changed module names it
//! in a string literal (`render_template("profile.html", …)`): the view and the template must both be visible.

use std::collections::{BTreeMap, BTreeSet};

use secreview_model::ChangedFile;

/// File name endings of template files.
pub const EXTENSIONS: &[&str] = &[".html", ".htm", ".jinja", ".jinja2", ".j2", ".djhtml"];

/// At most this many templates are read from the tree (changed templates are already in memory).
const MAX_READS: usize = 128;

/// Longest string literal taken for a template name.
const MAX_NAME: usize = 200;

pub fn is_template(path: &str) -> bool {
    EXTENSIONS.iter().any(|e| path.ends_with(e))
}

#[derive(Debug, Default)]
pub(crate) struct Templates {
    by_path: BTreeMap<String, String>,
}

impl Templates {
    /// The templates the changed Python modules name: changed ones from `changed`, the others read from the
    /// tree's `paths`.
    pub fn collect(
        changed: &[ChangedFile],
        paths: &[String],
        read: &mut impl FnMut(&str) -> Option<String>,
    ) -> Templates {
        let mut names = BTreeSet::new();
        for f in changed.iter().filter(|f| super::is_python(&f.path)) {
            names.extend(literal_names(&f.new_text));
        }
        let mut t = Templates::default();
        if names.is_empty() {
            return t;
        }
        let wanted = |p: &str| names.iter().any(|n| names_path(n, p));
        for f in changed
            .iter()
            .filter(|f| is_template(&f.path) && wanted(&f.path))
        {
            t.by_path.insert(f.path.clone(), f.new_text.clone());
        }
        let mut reads = 0;
        for p in paths.iter().filter(|p| is_template(p) && wanted(p)) {
            if reads >= MAX_READS {
                break;
            }
            if t.by_path.contains_key(p) {
                continue;
            }
            reads += 1;
            if let Some(text) = read(p) {
                t.by_path.insert(p.clone(), text);
            }
        }
        t
    }

    /// The template a view names (`profile.html`, `users/detail.html`): the path itself, or the one path ending
    /// in `/<name>` (under a `templates/` directory when several do; the first in path order otherwise).
    pub fn find(&self, name: &str) -> Option<(&str, &str)> {
        if let Some((p, t)) = self.by_path.get_key_value(name) {
            return Some((p, t));
        }
        let mut matching = self.by_path.iter().filter(|(p, _)| names_path(name, p));
        let first = matching.next()?;
        let under_templates = std::iter::once(first)
            .chain(matching)
            .find(|(p, _)| p.contains(&format!("templates/{name}")));
        let (p, t) = under_templates.unwrap_or(first);
        Some((p.as_str(), t.as_str()))
    }
}

/// Whether a template name refers to a path: equal, or its last segments.
fn names_path(name: &str, path: &str) -> bool {
    path == name
        || path
            .strip_suffix(name)
            .is_some_and(|head| head.ends_with('/'))
}

/// String literals that look like template names: no whitespace, a template extension.
fn literal_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(i) = rest.find(['"', '\'']) {
            let quote = rest.as_bytes()[i] as char;
            let after = &rest[i + 1..];
            let Some(j) = after.find(quote) else { break };
            let lit = &after[..j];
            if lit.len() <= MAX_NAME && !lit.contains(char::is_whitespace) && is_template(lit) {
                out.push(lit.trim_start_matches('/').to_owned());
            }
            rest = &after[j + 1..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_literals_select_templates_by_path_suffix() {
        let view = ChangedFile::whole(
            "app/views.py",
            "render_template('users/profile.html', name=n)\nx = \"not a template\"\n".into(),
        );
        let paths = vec![
            "app/templates/users/profile.html".to_owned(),
            "app/templates/other.html".to_owned(),
            "docs/users/profile.html.bak".to_owned(),
        ];
        let mut read = |p: &str| Some(format!("<!-- {p} -->"));
        let t = Templates::collect(&[view], &paths, &mut read);
        let (p, text) = t.find("users/profile.html").unwrap();
        assert_eq!(p, "app/templates/users/profile.html");
        assert!(text.contains(p));
        assert!(
            t.find("other.html").is_none(),
            "not named by a changed module"
        );
        assert!(t.find("profile.html").is_some());
        assert!(
            t.find("rofile.html").is_none(),
            "a suffix must be whole segments"
        );
    }
}
