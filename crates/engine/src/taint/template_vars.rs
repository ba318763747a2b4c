//! Where a Jinja2 / Django template prints a variable without escaping: `{{ name|safe }}`, or any `{{ name }}`
//! inside `{% autoescape false %}` (Django: `off`). A line scan with two regexes, not a template parser: the
//! question is only which root variable names reach the output raw.

use std::sync::LazyLock;

use regex::Regex;

/// `{{ expr | filter | … }}`: the root name of the expression and its filters.
static OUTPUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)[^|}]*((?:\|[^}]*)?)-?\}\}")
        .expect("literal regex")
});

/// `{% autoescape false %}` / `{% autoescape off %}` … `{% endautoescape %}`.
static AUTOESCAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{%-?\s*(autoescape\s+(?:false|False|off)|endautoescape)\s*-?%\}")
        .expect("literal regex")
});

/// What a template line holds, in order.
enum Event {
    /// `{% autoescape false %}` (false) or `{% endautoescape %}` (true: escaping is back).
    Autoescape(bool),
    /// `{{ var … | filters }}` as written.
    Output {
        var: String,
        filters: String,
        text: String,
    },
}

/// One raw output of a variable: its root name, the 1-based line and the tag as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawUse {
    pub var: String,
    pub line: u32,
    pub text: String,
}

/// Filters that escape what the `safe` / autoescape-off context would print raw.
const ESCAPING: &[&str] = &[
    "e",
    "escape",
    "forceescape",
    "striptags",
    "urlencode",
    "tojson",
    "int",
    "float",
    "length",
];

pub(crate) fn raw_uses(template: &str) -> Vec<RawUse> {
    let mut out = Vec::new();
    let mut raw_block = false;
    for (i, line) in template.lines().enumerate() {
        // Tags and outputs of the line in source order.
        let mut events: Vec<(usize, Event)> = Vec::new();
        for c in AUTOESCAPE.captures_iter(line) {
            let start = c.get(0).map_or(0, |m| m.start());
            events.push((start, Event::Autoescape(c[1].starts_with("end"))));
        }
        for c in OUTPUT.captures_iter(line) {
            let start = c.get(0).map_or(0, |m| m.start());
            let text = c.get(0).map_or("", |m| m.as_str()).to_owned();
            events.push((
                start,
                Event::Output {
                    var: c[1].to_owned(),
                    filters: c[2].to_owned(),
                    text,
                },
            ));
        }
        events.sort_by_key(|e| e.0);
        for (_, event) in events {
            let (var, filters, text) = match event {
                Event::Autoescape(restores) => {
                    raw_block = !restores;
                    continue;
                }
                Event::Output { var, filters, text } => (var, filters, text),
            };
            let filters: Vec<&str> = filters
                .split('|')
                .map(|f| f.split('(').next().unwrap_or("").trim())
                .filter(|f| !f.is_empty())
                .collect();
            let escaped = filters.iter().any(|f| ESCAPING.contains(f));
            let safe = filters.contains(&"safe");
            if (safe || raw_block) && !escaped {
                out.push(RawUse {
                    var,
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    text,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::raw_uses;

    #[test]
    fn safe_filters_and_autoescape_blocks_print_raw() {
        let t = "<p>{{ name }}</p>\n<p>{{ bio|safe }}</p>\n<p>{{ user.about | default('') | safe }}</p>\n\
                 {% autoescape false %}\n{{ note }} {{ other|e }}\n{% endautoescape %}\n{{ after }}\n\
                 {{ html|safe|e }}";
        let vars: Vec<(String, u32)> = raw_uses(t).into_iter().map(|u| (u.var, u.line)).collect();
        assert_eq!(
            vars,
            vec![("bio".into(), 2), ("user".into(), 3), ("note".into(), 5)]
        );
    }
}
