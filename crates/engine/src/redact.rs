//! Redaction of secret values from everything the engine returns: findings (snippet, message, recommendation,
//! evidence, paths), suppressions, routes and file paths.
//!
//! The values come from running every secrets detector over every file of the scan (whole, both versions) and
//! its path, whatever the scan reports: a code-only scan must not print a token that sits on a code finding's
//! line. They are pooled for the whole scan, so a token recognised in one file (`.env`) is also hidden where
//! another file quotes it in a form no detector recognises. Text quoted from a file is redacted *before* it is
//! cut to length ([`excerpt`]): a token cut first leaves a prefix that redaction no longer recognises.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use secreview_model::{Finding, Suppression, redact_secret};

use crate::RouteInfo;

/// Secret values, each with the form it is shown in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    /// (value, redacted form), sorted and unique.
    pairs: Vec<(String, String)>,
    /// Finds every value in one pass, leftmost-longest: a secret inside a longer one (a key inside a connection
    /// string) does not leave the rest of the longer one behind. `None` when there are no values (or, never in
    /// practice, when the automaton cannot be built — then [`Redactor::redact`] falls back to plain replacing).
    matcher: Option<AhoCorasick>,
}

/// Lines of a multi-line secret shorter than this are not redacted on their own (a PEM line such as `==` is
/// not secret, and replacing it everywhere would garble unrelated text).
const MIN_FRAGMENT: usize = 8;

/// Longest value that may stand as a directory or file name in a path without being hidden there.
const MAX_NAME_LIKE: usize = 12;

/// Whether the match `start..end` of `value` is a directory or file name in a path (`saleor/` when a test
/// password is `saleor`): a short plain word next to a `/` names a package, and hiding it would turn every path
/// of the project into `…(6)/…` while hiding nothing a reader could use. Longer or non-word values (tokens)
/// stay hidden wherever they are.
fn is_path_segment(text: &str, start: usize, end: usize, value: &str) -> bool {
    let word = value.len() <= MAX_NAME_LIKE
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let before = text[..start].bytes().next_back();
    let after = text[end..].bytes().next();
    word && (before == Some(b'/') || after == Some(b'/'))
}

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut r = Redactor::default();
        r.extend(values);
        r
    }

    pub fn extend(&mut self, values: impl IntoIterator<Item = String>) {
        for v in values {
            // Excerpts collapse whitespace, so a multi-line value (a PEM body, a JSON-embedded key) is also
            // redacted line by line. Armour lines (`-----BEGIN …-----`) name the kind of key, not the key.
            if v.contains('\n') {
                for line in v.lines().map(str::trim) {
                    if line.chars().count() >= MIN_FRAGMENT && !line.starts_with("-----") {
                        self.push(line.to_owned());
                    }
                }
            }
            self.push(v);
        }
        self.pairs
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        self.pairs.dedup_by(|a, b| a.0 == b.0);
        self.matcher = if self.pairs.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(self.pairs.iter().map(|(v, _)| v))
                .ok()
        };
    }

    /// Whether `value` is already hidden wherever it occurs.
    pub fn covers(&self, value: &str) -> bool {
        self.pairs
            .binary_search_by(|(v, _)| {
                value
                    .len()
                    .cmp(&v.len())
                    .then_with(|| v.as_str().cmp(value))
            })
            .is_ok()
    }

    fn push(&mut self, value: String) {
        if !value.is_empty() {
            let shown = redact_secret(&value);
            self.pairs.push((value, shown));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(v, _)| v.as_str())
    }

    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.pairs.is_empty() {
            return Cow::Borrowed(text);
        }
        let Some(ac) = &self.matcher else {
            // Longest first, as the automaton would.
            let mut out = Cow::Borrowed(text);
            for (value, shown) in &self.pairs {
                if out.contains(value.as_str()) {
                    out = Cow::Owned(out.replace(value.as_str(), shown));
                }
            }
            return out;
        };
        if !ac.is_match(text) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in ac.find_iter(text) {
            let (value, shown) = &self.pairs[m.pattern().as_usize()];
            if is_path_segment(text, m.start(), m.end(), value) {
                continue;
            }
            out.push_str(&text[last..m.start()]);
            out.push_str(shown);
            last = m.end();
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(s) = self.redact(text) {
            *text = s;
        }
    }

    /// Every text of a finding that can quote the file or name it.
    pub fn finding(&self, f: &mut Finding) {
        if self.is_empty() {
            return;
        }
        for text in [
            &mut f.snippet,
            &mut f.message,
            &mut f.recommendation,
            &mut f.location.path,
        ] {
            self.redact_in_place(text);
        }
        for e in f.evidence.iter_mut().chain(f.flow.iter_mut()) {
            self.redact_in_place(&mut e.note);
            self.redact_in_place(&mut e.location.path);
        }
    }

    /// A suppression comment's reason and rule ids are free text from the file.
    pub fn suppression(&self, s: &mut Suppression) {
        if self.is_empty() {
            return;
        }
        self.redact_in_place(&mut s.path);
        self.redact_in_place(&mut s.reason);
        for id in &mut s.rule_ids {
            self.redact_in_place(id);
        }
        if let Some(until) = &mut s.until {
            self.redact_in_place(until);
        }
    }

    /// Route paths and handler names are string literals and identifiers from the file.
    pub fn route(&self, r: &mut RouteInfo) {
        if self.is_empty() {
            return;
        }
        self.redact_in_place(&mut r.file);
        self.redact_in_place(&mut r.handler);
        if let Some(p) = &mut r.path {
            self.redact_in_place(p);
        }
        for m in &mut r.methods {
            self.redact_in_place(m);
        }
        for why in [&mut r.auth_from, &mut r.ownership_from, &mut r.owned_model]
            .into_iter()
            .flatten()
        {
            self.redact_in_place(why);
        }
    }
}

thread_local! {
    /// The redactor of the scan this thread is working for, for [`excerpt`].
    static CURRENT: RefCell<Arc<Redactor>> = RefCell::new(Arc::new(Redactor::default()));
}

/// Runs `f` with `redactor` as the one [`excerpt`] uses, restoring the previous one afterwards (also on unwind).
///
/// A thread-local rather than a parameter: excerpts are cut deep inside the taint walkers and the authz
/// extractors, and threading the file's secrets through each of their signatures (≈ 20 functions that otherwise
/// need no file context) was the alternative. It is safe because one file is scanned start to finish on one
/// rayon worker, and the guard keeps nested scopes correct.
pub(crate) fn scoped<T>(redactor: &Arc<Redactor>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<Redactor>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(previous) = self.0.take() {
                CURRENT.with(|c| *c.borrow_mut() = previous);
            }
        }
    }
    let previous = CURRENT.with(|c| c.replace(Arc::clone(redactor)));
    let _restore = Restore(Some(previous));
    f()
}

/// Text quoted from the scanned file into a message or an evidence note: the file's secrets redacted, then cut
/// to `max` characters (plus `…`). In that order, always: a secret cut first leaves a prefix redaction no longer
/// recognises.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let redacted = CURRENT.with(|c| c.borrow().redact(text).into_owned());
    truncate(&redacted, max)
}

/// Cuts already-redacted text to `max` characters.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

    #[test]
    fn excerpts_redact_before_they_cut() {
        let line = format!("os.system(\"curl -H 'Authorization: token {TOKEN}' \" + q)");
        let r = Arc::new(Redactor::new([TOKEN.to_owned()]));
        let cut = scoped(&r, || excerpt(&line, 50));
        assert!(!cut.contains("ghp_abcd"), "{cut}");
        assert!(cut.contains("ghp_…(40)"), "{cut}");
        // Outside a scope nothing is known, and the previous scope is restored after one ends.
        assert!(excerpt(&line, 200).contains(TOKEN));
    }

    #[test]
    fn multi_line_values_are_also_redacted_line_by_line() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n==\n-----END PRIVATE KEY-----";
        let r = Redactor::new([key.to_owned()]);
        let collapsed = key.split_whitespace().collect::<Vec<_>>().join(" ");
        let out = r.redact(&collapsed);
        assert!(!out.contains("MIIEvQIBADAN"), "{out}");
        assert!(out.contains("-----BEGIN PRIVATE KEY-----"), "{out}");
    }

    #[test]
    fn a_short_word_secret_is_hidden_in_text_but_not_as_a_path_name() {
        let r = Redactor::new(["saleor".to_owned(), TOKEN.to_owned()]);
        let out = r.redact("saleor/core/auth.py: password = \"saleor\" in saleor");
        assert_eq!(out, "saleor/core/auth.py: password = \"…(6)\" in …(6)");
        // A token stays hidden even as a directory name.
        let path = format!("cache/{TOKEN}/x");
        let out = r.redact(&path);
        assert!(!out.contains(TOKEN), "{out}");
    }

    #[test]
    fn covers_finds_every_value() {
        let r = Redactor::new([
            "bbbbbbbbbb".to_owned(),
            "a".repeat(12),
            "cccccccccc".to_owned(),
        ]);
        assert!(r.covers("bbbbbbbbbb") && r.covers(&"a".repeat(12)) && r.covers("cccccccccc"));
        assert!(!r.covers("dddddddddd"));
    }

    #[test]
    fn longer_values_are_redacted_first() {
        let inner = "AKIAABCDEFGHIJKLMNOP";
        let outer = format!("aws://{inner}:wJalrXUtnFEMIK7MDENGbPxRfiCY@host");
        let r = Redactor::new([inner.to_owned(), outer.clone()]);
        let line = format!("url = {outer}");
        let out = r.redact(&line);
        assert_eq!(out, format!("url = {}", redact_secret(&outer)));
    }
}
