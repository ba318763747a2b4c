//! Literals a file must contain for a tree-sitter query to match it, read off the query's own text predicates.
//!
//! Compiling a query costs milliseconds (tree-sitter analyses every pattern against the grammar), far more than
//! running it, and a rule's hand-written `keywords` are coarse (`except`, `set_`). A pattern whose match needs a
//! capture whose text is `"set_cookie"` cannot match a file that lacks `set_cookie`, so the query is neither
//! compiled nor run there. The derivation is sound or absent: a pattern it cannot reason about lifts the
//! requirement for the whole query.

use regex_syntax::hir::literal::{ExtractKind, Extractor};

/// What a file must contain for a query to match it: for some pattern of the query, every clause holds, and a
/// clause holds when the text contains one of its literals (case-sensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    patterns: Vec<Vec<Vec<String>>>,
}

impl Requirement {
    pub fn holds(&self, text: &str) -> bool {
        self.patterns.iter().any(|clauses| {
            clauses
                .iter()
                .all(|lits| lits.iter().any(|l| text.contains(l.as_str())))
        })
    }
}

/// The literal requirement of a query, or `None` when it gives no guarantee: a query matches when any of its
/// top-level patterns does, so every pattern must contribute at least one clause.
pub fn required_literals(query: &str) -> Option<Requirement> {
    let mut parser = Parser {
        chars: query.char_indices().peekable(),
        src: query,
    };
    let mut patterns: Vec<Vec<Vec<String>>> = Vec::new();
    while parser.skip_trivia().is_some() {
        let mut preds = Vec::new();
        let item = parser.item(&mut preds)?;
        if item.is_predicate {
            // A stray top-level predicate: compilation refuses it, so it constrains nothing here either.
            continue;
        }
        let mut clauses: Vec<Vec<String>> = preds
            .iter()
            .filter(|p| item.mandatory.contains(&p.capture))
            .filter_map(Predicate::literals)
            .map(minimal)
            .collect();
        if clauses.is_empty() {
            return None;
        }
        clauses.sort();
        clauses.dedup();
        if !patterns.contains(&clauses) {
            patterns.push(clauses);
        }
    }
    (!patterns.is_empty()).then_some(Requirement { patterns })
}

/// More alternatives than this make a clause cost more to test than it saves (a case-insensitive regex
/// expands to every case variant).
const MAX_CLAUSE_LITERALS: usize = 32;

/// Drops literals that contain another one: a file holding `set_cookie` also holds `set_`.
fn minimal(mut lits: Vec<String>) -> Vec<String> {
    lits.sort_by_key(String::len);
    lits.dedup();
    let mut out: Vec<String> = Vec::new();
    for l in lits {
        if !out.iter().any(|o| l.contains(o.as_str())) {
            out.push(l);
        }
    }
    out
}

/// A text predicate of a pattern on one capture: `(#eq? @f "x")`, `(#any-of? @f "a" "b")`, `(#match? @f "re")`.
struct Predicate {
    name: String,
    capture: String,
    strings: Vec<String>,
}

impl Predicate {
    /// The literals the capture's text holds whenever the predicate passes.
    fn literals(&self) -> Option<Vec<String>> {
        let lits = match self.name.as_str() {
            "eq?" | "any-eq?" | "any-of?" => self.strings.clone(),
            "match?" | "any-match?" => regex_prefixes(self.strings.first()?)?,
            _ => return None,
        };
        let usable = !lits.is_empty()
            && lits.len() <= MAX_CLAUSE_LITERALS
            && lits.iter().all(|l| !l.is_empty());
        usable.then_some(lits)
    }
}

/// Every match of `re` starts with one of these (tree-sitter runs `#match?` as an unanchored search, so the
/// matched part, and with it the prefix, lies inside the node's text).
fn regex_prefixes(re: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::parse(re).ok()?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    seq.literals()?
        .iter()
        .map(|l| String::from_utf8(l.as_bytes().to_vec()).ok())
        .collect()
}

/// What one parsed query item guarantees.
struct Item {
    /// Captures present in every match of the item.
    mandatory: Vec<String>,
    is_predicate: bool,
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    src: &'a str,
}

impl Parser<'_> {
    /// Skips whitespace and `;` comments; the next character, if any.
    fn skip_trivia(&mut self) -> Option<char> {
        loop {
            let &(_, c) = self.chars.peek()?;
            if c.is_whitespace() {
                self.chars.next();
            } else if c == ';' {
                for (_, c) in self.chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            } else {
                return Some(c);
            }
        }
    }

    /// One item with its quantifiers and captures; predicates met inside go to `preds`. `None` on anything
    /// unexpected: the caller then derives nothing.
    fn item(&mut self, preds: &mut Vec<Predicate>) -> Option<Item> {
        let c = self.skip_trivia()?;
        let mut item = match c {
            '(' => {
                self.chars.next();
                if self.skip_trivia()? == '#' {
                    preds.push(self.predicate()?);
                    return Some(Item {
                        mandatory: Vec::new(),
                        is_predicate: true,
                    });
                }
                self.children(')', preds, false)?
            }
            '[' => {
                self.chars.next();
                self.children(']', preds, true)?
            }
            '"' => {
                self.string()?;
                Item {
                    mandatory: Vec::new(),
                    is_predicate: false,
                }
            }
            _ => {
                // `_`, a node name, `field:` before an item, `!field`, or the `.` anchor.
                let word = self.word();
                if word.is_empty() {
                    return None;
                }
                if self.chars.peek().is_some_and(|&(_, c)| c == ':') {
                    self.chars.next();
                    return self.item(preds);
                }
                Item {
                    mandatory: Vec::new(),
                    is_predicate: false,
                }
            }
        };
        self.suffix(&mut item)?;
        Some(item)
    }

    /// The items up to `close`. In an alternation a capture is mandatory only if every branch has it.
    fn children(
        &mut self,
        close: char,
        preds: &mut Vec<Predicate>,
        alternation: bool,
    ) -> Option<Item> {
        let mut branches: Vec<Vec<String>> = Vec::new();
        loop {
            if self.skip_trivia()? == close {
                self.chars.next();
                break;
            }
            let child = self.item(preds)?;
            if !child.is_predicate {
                branches.push(child.mandatory);
            }
        }
        let mandatory = if alternation {
            let mut iter = branches.into_iter();
            let first = iter.next().unwrap_or_default();
            iter.fold(first, |acc, b| {
                acc.into_iter().filter(|c| b.contains(c)).collect()
            })
        } else {
            branches.concat()
        };
        Some(Item {
            mandatory,
            is_predicate: false,
        })
    }

    /// Quantifiers and captures after an item, in any order. `?` and `*` make the item optional.
    fn suffix(&mut self, item: &mut Item) -> Option<()> {
        let mut optional = false;
        let mut captures = Vec::new();
        while let Some(&(_, c)) = self.chars.peek() {
            match c {
                '?' | '*' => {
                    optional = true;
                    self.chars.next();
                }
                '+' => {
                    self.chars.next();
                }
                '@' => {
                    self.chars.next();
                    captures.push(self.word());
                }
                c if c.is_whitespace() => {
                    // A capture may follow after spaces: look past them, but only consume when it does.
                    let rest = &self.src[self.chars.peek()?.0..];
                    let next = rest.trim_start().chars().next();
                    if matches!(next, Some('@' | '?' | '*' | '+')) {
                        self.skip_trivia();
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        if optional {
            item.mandatory.clear();
        } else {
            item.mandatory.extend(captures);
        }
        Some(())
    }

    /// `#name? @capture "string" …)`, the opening `(` already consumed. A predicate over two captures
    /// (`(#eq? @a @b)`) compares them with each other and yields no literal.
    fn predicate(&mut self) -> Option<Predicate> {
        self.chars.next();
        let mut name = self.word();
        let mut captures = Vec::new();
        let mut strings = Vec::new();
        loop {
            match self.skip_trivia()? {
                ')' => {
                    self.chars.next();
                    break;
                }
                '@' => {
                    self.chars.next();
                    captures.push(self.word());
                }
                '"' => strings.push(self.string()?),
                _ => {
                    // A bare word argument (`#set!` directives); anything else is skipped one character at a time.
                    if self.word().is_empty() {
                        self.chars.next();
                    }
                }
            }
        }
        if captures.len() != 1 {
            name.push_str("-between-captures");
        }
        Some(Predicate {
            name,
            capture: captures.pop().unwrap_or_default(),
            strings,
        })
    }

    /// A `"…"` string with tree-sitter's escapes, the cursor on its opening quote.
    fn string(&mut self) -> Option<String> {
        self.chars.next();
        let mut out = String::new();
        loop {
            let (_, c) = self.chars.next()?;
            match c {
                '"' => return Some(out),
                '\\' => {
                    let (_, e) = self.chars.next()?;
                    out.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        other => other,
                    });
                }
                c => out.push(c),
            }
        }
    }

    /// A run of name characters (node names, fields, captures, predicate names).
    fn word(&mut self) -> String {
        let mut out = String::new();
        while let Some(&(_, c)) = self.chars.peek() {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '?' | '!') {
                out.push(c);
                self.chars.next();
            } else {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::required_literals;

    /// The requirement as clauses of the single pattern, or of each pattern.
    fn req(q: &str) -> Option<Vec<Vec<Vec<String>>>> {
        required_literals(q).map(|r| r.patterns)
    }

    #[allow(clippy::unnecessary_wraps)] // compared with `req`'s result
    fn one(clauses: &[&[&str]]) -> Option<Vec<Vec<Vec<String>>>> {
        Some(vec![
            clauses
                .iter()
                .map(|c| c.iter().map(|s| (*s).to_owned()).collect())
                .collect(),
        ])
    }

    #[test]
    fn an_eq_on_a_mandatory_capture_is_required() {
        let q = r#"(call function: (identifier) @f (#eq? @f "eval")) @match"#;
        assert_eq!(req(q), one(&[&["eval"]]));
        let r = required_literals(q).unwrap();
        assert!(r.holds("x = eval(y)"));
        assert!(!r.holds("x = Eval(y)"));
    }

    #[test]
    fn every_predicate_of_a_pattern_is_a_clause() {
        let q = r#"(call function: (attribute object: (identifier) @m attribute: (identifier) @f)
          (#any-of? @m "bcrypt" "crypt") (#any-of? @f "hashpw" "crypt")) @match"#;
        // `crypt` also stands for `bcrypt`.
        assert_eq!(req(q), one(&[&["crypt"], &["crypt", "hashpw"]]));
        let r = required_literals(q).unwrap();
        assert!(r.holds("bcrypt.hashpw(pw, salt)"));
        assert!(!r.holds("hashpw(pw, salt)"));
    }

    #[test]
    fn a_capture_in_every_branch_of_an_alternation_is_mandatory() {
        let q = r#"(call function: [(attribute attribute: (identifier) @f) (identifier) @f]
          (#any-of? @f "scrypt" "pbkdf2_hmac")) @match"#;
        assert_eq!(req(q), one(&[&["scrypt", "pbkdf2_hmac"]]));
    }

    #[test]
    fn a_capture_in_one_branch_or_under_an_optional_quantifier_requires_nothing() {
        // tree-sitter passes a predicate whose capture is absent from the match.
        assert_eq!(
            req(r#"(call function: [(identifier) @f (attribute)] (#eq? @f "eval")) @m"#),
            None
        );
        assert_eq!(req(r#"(call (comment)? @c (#eq? @c "x")) @m"#), None);
        assert_eq!(
            req(r#"(block (expression_statement)* @s (#eq? @s "x")) @m"#),
            None
        );
        assert_eq!(req(r#"(block ((identifier) @s)? (#eq? @s "x")) @m"#), None);
    }

    #[test]
    fn a_match_regex_contributes_its_prefixes() {
        let q = r#"((identifier) @f (#match? @f "^(md5|sha1)$"))"#;
        assert_eq!(req(q), one(&[&["md5", "sha1"]]));
        let q = r#"((scoped_identifier) @ty (#match? @ty "(^|::)(SaltString|Salt)$"))"#;
        assert_eq!(req(q), one(&[&["Salt"]]));
        // An unbounded prefix (`.*x`) gives nothing, nor do too many case variants.
        assert_eq!(req(r#"((identifier) @f (#match? @f ".*key"))"#), None);
        assert_eq!(
            req(r#"((identifier) @f (#match? @f "(?i)access-token"))"#),
            None
        );
    }

    #[test]
    fn negated_and_capture_to_capture_predicates_require_nothing() {
        assert_eq!(req(r#"((identifier) @f (#not-eq? @f "x"))"#), None);
        assert_eq!(
            req(r"((pair key: (_) @a value: (_) @b) (#eq? @a @b))"),
            None
        );
    }

    #[test]
    fn a_directive_with_bare_words_ends_at_its_own_parenthesis() {
        let q = r#"((identifier) @a (#set! kind value) (#eq? @a "alpha"))"#;
        assert_eq!(req(q), one(&[&["alpha"]]));
    }

    #[test]
    fn every_pattern_of_a_query_must_contribute() {
        let both = r#"
            ((identifier) @a (#eq? @a "alpha")) @m
            ; a comment with "quotes" and (parens)
            ((identifier) @b (#eq? @b "beta")) @m
        "#;
        let r = required_literals(both).unwrap();
        assert!(r.holds("beta") && r.holds("alpha") && !r.holds("gamma"));
        let one_open = r#"((identifier) @a (#eq? @a "alpha")) (string) @s"#;
        assert_eq!(req(one_open), None);
    }

    #[test]
    fn captures_after_spaces_and_quantifiers_in_any_order_are_read() {
        let q = r#"(call arguments: (argument_list (string) + @s) (#eq? @s "\"x\""))"#;
        assert_eq!(req(q), one(&[&["\"x\""]]));
    }
}
